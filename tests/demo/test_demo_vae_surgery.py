"""The demo VAE's layout (two frames a latent, 4 channels) can start from a VAE of the old one."""

from __future__ import annotations

import pytest
import torch
from diffusers import AutoencoderKLWan

from studio.demo import model as M
from studio.demo.data import to_tensor
from studio.demo.scenes import make_scene, render
from studio.demo.vae_surgery import principal_directions, relayout

SMALL = {"base_dim": 8}
# The first demo model's layout: 4x in time, 16 latent channels.
OLD = {
    **M.VAE_CONFIG,
    **SMALL,
    "z_dim": 16,
    "temperal_downsample": [True, True],
    "scale_factor_temporal": 4,
    "latents_mean": [0.0] * 16,
    "latents_std": [1.0] * 16,
}
NEW = {**M.VAE_CONFIG, **SMALL}


def _old_vae() -> AutoencoderKLWan:
    torch.manual_seed(0)
    vae = AutoencoderKLWan(**OLD).eval()
    with torch.no_grad():
        # A decoder input bias is folded into the first convolution's bias, which differs from
        # zero padding at the borders; without one the re-laid decoder is exact everywhere.
        vae.post_quant_conv.bias.zero_()
    return vae


def _frames(seeds: range, frames: int = 1) -> torch.Tensor:
    return torch.stack([to_tensor(render(make_scene(s), frames=frames)) for s in seeds])


@torch.no_grad()
def test_the_new_latents_are_the_old_ones_along_their_principal_directions() -> None:
    old = _old_vae()
    frames = _frames(range(8))
    new = relayout(old, NEW, frames).eval()
    p = principal_directions(old, frames, NEW["z_dim"])
    assert torch.allclose(p @ p.T, torch.eye(NEW["z_dim"]), atol=1e-4)
    picture = _frames(range(20, 22))
    z_old = old.encode(picture).latent_dist.mode()
    z_new = new.encode(picture).latent_dist.mode()
    assert z_new.shape == (2, NEW["z_dim"], 1, 16, 16)
    torch.testing.assert_close(z_new, torch.einsum("nc,bcfhw->bnfhw", p, z_old), atol=1e-4, rtol=1e-4)
    # And the decoder draws from them what the old one drew from their projection.
    back = torch.einsum("nc,bnfhw->bcfhw", p, z_new)
    torch.testing.assert_close(new.decode(z_new).sample, old.decode(back).sample, atol=1e-4, rtol=1e-4)


@torch.no_grad()
def test_the_stage_that_still_compresses_time_keeps_its_temporal_layers() -> None:
    old = _old_vae()
    new = relayout(old, NEW, _frames(range(8))).eval()
    theirs, mine = old.state_dict(), new.state_dict()
    kept = [k for k in mine if "time_conv" in k]
    assert kept and all(torch.equal(mine[k], theirs[k]) for k in kept)
    assert len([k for k in theirs if "time_conv" in k]) == 2 * len(kept)  # one stage of two
    # The other causal convolutions start with their tap on the current frame only.
    conv = new.encoder.down_blocks[0].conv1
    assert conv.weight[:, :, :-1].abs().sum() == 0 and conv.weight[:, :, -1].abs().sum() > 0
    clip = _frames(range(30, 31), frames=17)
    z = new.encode(clip).latent_dist.mode()
    assert z.shape == (1, NEW["z_dim"], 9, 16, 16)  # the first frame, then two frames a latent
    assert new.decode(z).sample.shape == clip.shape


def test_only_the_latents_and_time_may_change() -> None:
    frames = _frames(range(2))
    with pytest.raises(ValueError, match="the VAE body differs \\(base_dim\\)"):
        relayout(_old_vae(), {**NEW, "base_dim": 16}, frames)
    with pytest.raises(ValueError, match="cannot widen the latents from 16 to 32"):
        relayout(_old_vae(), {**NEW, "z_dim": 32, "latents_mean": [0.0] * 32, "latents_std": [1.0] * 32}, frames)


def test_the_trainer_starts_from_an_old_layout_folder(tmp_path, capsys) -> None:
    """`--vae-from` and `--transformer-from` take a folder of the old layout, and the export
    says where its VAE and transformer began."""
    import json

    from diffusers import WanVACETransformer3DModel

    from studio.demo.train import main

    torch.manual_seed(0)
    old = tmp_path / "old"
    AutoencoderKLWan(**{**OLD, "base_dim": M.VAE_CONFIG["base_dim"]}).save_pretrained(old / "vae")
    old_layout = {"in_channels": 16, "out_channels": 16, "patch_size": [1, 2, 2]}
    WanVACETransformer3DModel(
        **{**M.TRANSFORMER_CONFIG, **old_layout, "vace_in_channels": 48}
    ).save_pretrained(old / "transformer")
    out, export = tmp_path / "run", tmp_path / "demo"
    argv = ["--out", str(out), "--export", str(export), "--vae-from", str(old), "--threads", "1"]
    argv += ["--vae-steps", "0", "--steps", "0", "--decoder-steps", "0", "--batch", "1"]
    assert main([*argv, "--transformer-from", str(old)]) == 0
    vae = json.loads((export / "vae" / "config.json").read_text())
    assert (vae["z_dim"], vae["temperal_downsample"]) == (M.Z_DIM, M.VAE_CONFIG["temperal_downsample"])
    record = json.loads((export / "training.json").read_text())
    assert (record["vae_from"], record["transformer_from"]) == (str(old), str(old))
    theirs = WanVACETransformer3DModel.from_pretrained(old / "transformer").state_dict()
    mine = WanVACETransformer3DModel.from_pretrained(export / "transformer").state_dict()
    assert torch.equal(mine["blocks.3.ffn.net.2.weight"], theirs["blocks.3.ffn.net.2.weight"])
    assert mine["patch_embedding.weight"].shape != theirs["patch_embedding.weight"].shape
    # Not a VAE of this trainer's body, or no VAE at all: one plain sentence, nothing exported.
    AutoencoderKLWan(**{**OLD, "base_dim": 8}).save_pretrained(tmp_path / "narrow" / "vae")
    for i, source in enumerate([tmp_path / "narrow", tmp_path]):
        other = tmp_path / f"other{i}"
        rest = ["--out", str(other), "--export", str(other / "demo"), *argv[6:]]
        assert main([*rest, "--vae-from", str(source)]) == 2
        assert not (other / "demo").exists()
    err = capsys.readouterr().err
    assert "error: cannot start from the VAE of" in err and "the VAE body differs (base_dim)" in err
    assert f"error: {tmp_path} has no vae/config.json to start from." in err
