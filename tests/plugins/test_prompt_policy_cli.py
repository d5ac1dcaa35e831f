"""The prompt policy stops `studio generate` before anything is loaded or written."""

from studio.cli import main


def test_generate_refuses_a_violent_prompt_naming_the_rule(tmp_path, capsys):
    out = tmp_path / "fight.mp4"
    code = main(["generate", "a gory fight with severed limbs", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: ") and "'graphic violence'" in err and "\n" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_generate_lets_a_harmless_prompt_through_to_the_next_check(tmp_path, capsys):
    code = main(["generate", "a red circle moving to the right", "--out",
                 str(tmp_path / "x.mp4"), "--model", str(tmp_path / "no-such-model")])
    err = capsys.readouterr().err
    assert code == 2
    assert "refused" not in err and "no-such-model" in err  # it got past the policy


def test_switching_the_policy_off_in_settings(tmp_path, capsys):
    from studio.core.settings import Settings, save_settings

    save_settings(Settings(disabled_plugins=["prompt_policy"]))
    code = main(["generate", "gore", "--out", str(tmp_path / "x.mp4"), "--model",
                 str(tmp_path / "no-such-model")])
    assert code == 2 and "refused" not in capsys.readouterr().err
