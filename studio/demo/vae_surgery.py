"""Re-lay a trained Wan VAE: fewer latent channels and less compression in time, same body.

The first demo VAE coded 4x4 pixels x 4 frames in 16 channels, but its latents are nearly
four-dimensional (on 64 training frames the top four principal directions hold 99% of their
variance, and decoding the projection onto them loses 0.05 dB). A VAE trained from scratch
here spends its first thousands of steps learning to draw anything at all (its decoder soon
stops reading its latents), so the new layout starts from the old weights instead:

- every layer of the encoder and decoder body keeps its weights; the temporal convolutions of
  the down- and upsamplers of stages that no longer compress time are dropped, and every
  other causal convolution keeps only its tap on the current frame. Wan's VAE codes the first
  frame alone, with zeros for the frames before it, so those taps are the ones its first-frame
  path was trained with;
- the encoder's head is followed by the projection onto the top `z_dim` principal directions
  of the old latents (about the origin, so no offset), folded into its last convolution;
- the decoder's first convolution reads the projection back (its transpose), folded into its
  weights, so that a first frame decodes as the old VAE decoded the projected latents, up to
  the borders, where a folded bias differs from zero padding.

Later frames meet the remaining temporal layers at another frame rate than they were trained
at, and start out poor (about 13 dB); the VAE phase of the trainer mends them in minutes.
"""

from __future__ import annotations

import logging

import torch
from diffusers import AutoencoderKLWan

log = logging.getLogger(__name__)

# Config keys the two layouts must share: the body whose weights carry over.
BODY = ("base_dim", "decoder_base_dim", "dim_mult", "num_res_blocks", "attn_scales")


@torch.no_grad()
def principal_directions(vae: AutoencoderKLWan, frames: torch.Tensor, count: int) -> torch.Tensor:
    """The top `count` directions (rows, unit length) of the posterior means of `frames`
    (B, 3, 1, H, W) in [-1, 1], about the origin, so that a projection needs no offset."""
    z = vae.encode(frames).latent_dist.mode()
    flat = z.permute(0, 2, 3, 4, 1).reshape(-1, z.shape[1]).double()
    _, _, vh = torch.linalg.svd(flat, full_matrices=False)
    return vh[:count].float()


@torch.no_grad()
def relayout(old: AutoencoderKLWan, config: dict, frames: torch.Tensor) -> AutoencoderKLWan:
    """A VAE with `config` whose body comes from `old`; `frames` (B, 3, 1, H, W) are the
    pictures the latent directions are measured on."""
    mismatched = [k for k in BODY if old.config.get(k) != config.get(k)]
    if mismatched:
        raise ValueError(
            "the VAE body differs (" + ", ".join(mismatched) + "); only the latent channels and "
            "the compression in time can change"
        )
    new = AutoencoderKLWan(**config)
    old_z, new_z = old.config.z_dim, new.config.z_dim
    if new_z > old_z:
        raise ValueError(f"cannot widen the latents from {old_z} to {new_z} channels")
    theirs = old.state_dict()
    mine = new.state_dict()
    for name, value in mine.items():
        if name in theirs and theirs[name].shape == value.shape:
            value.copy_(theirs[name])
    p = principal_directions(old, frames, new_z)  # (new_z, old_z)

    # Encoder: old mu = Qmu (conv_out(h)) + qb; new mu = P old mu, in conv_out's first rows.
    w, b = theirs["encoder.conv_out.weight"], theirs["encoder.conv_out.bias"]
    q = theirs["quant_conv.weight"][:old_z, :, 0, 0, 0]  # (old_z, 2 old_z): the mu rows
    qb = theirs["quant_conv.bias"][:old_z]
    pq = p @ q  # (new_z, 2 old_z)
    head_w = torch.einsum("nc,cixyz->nixyz", pq, w)
    head_b = pq @ b + p @ qb
    mine["encoder.conv_out.weight"].zero_()
    mine["encoder.conv_out.weight"][:new_z] = head_w
    mine["encoder.conv_out.bias"].zero_()
    mine["encoder.conv_out.bias"][:new_z] = head_b
    # log-variance: a constant, tiny spread (the studio only reads the mean).
    mine["encoder.conv_out.bias"][new_z:] = -10.0
    eye = torch.eye(2 * new_z).view(2 * new_z, 2 * new_z, 1, 1, 1)
    mine["quant_conv.weight"].copy_(eye)
    mine["quant_conv.bias"].zero_()

    # Decoder: old z' = R z + r, then conv_in; with z = P^T z_new, conv_in reads R P^T z_new.
    r_w = theirs["post_quant_conv.weight"][:, :, 0, 0, 0]  # (old_z, old_z)
    r_b = theirs["post_quant_conv.bias"]
    c_w, c_b = theirs["decoder.conv_in.weight"], theirs["decoder.conv_in.bias"]
    rp = r_w @ p.T  # (old_z, new_z)
    mine["decoder.conv_in.weight"].copy_(torch.einsum("oixyz,in->onxyz", c_w, rp))
    mine["decoder.conv_in.bias"].copy_(c_b + torch.einsum("oixyz,i->o", c_w, r_b))
    mine["post_quant_conv.weight"].copy_(torch.eye(new_z).view(new_z, new_z, 1, 1, 1))
    mine["post_quant_conv.bias"].zero_()
    new.load_state_dict(mine)
    for name, module in new.named_modules():
        # The resamplers' own temporal convolutions (where time is still compressed) keep theirs.
        temporal = isinstance(module, torch.nn.Conv3d) and module.kernel_size[0] > 1
        if temporal and not name.endswith("time_conv"):
            module.weight[:, :, :-1] = 0.0
    log.info(
        "re-laid the VAE: %d -> %d latent channels, %s -> %s in time",
        old_z,
        new_z,
        old.config.temperal_downsample,
        new.config.temperal_downsample,
    )
    return new
