"""Rates are exact and timecode text matches what editing suites print."""

from fractions import Fraction

import pytest

from studio.core.timecode import from_timecode, parse_rate, rate_text, to_timecode


@pytest.mark.parametrize("text,rate", [
    ("23.976", Fraction(24000, 1001)), ("24000/1001", Fraction(24000, 1001)),
    ("29.97", Fraction(30000, 1001)), ("59.94", Fraction(60000, 1001)),
    ("25", Fraction(25)), (30, Fraction(30)), ("23.98", Fraction(24000, 1001)),
])
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("bad", ["fast", "0", "-24", "1/0"])
def test_bad_rates_say_so(bad):
    with pytest.raises(ValueError, match="frame rate"):
        parse_rate(bad)


def test_drop_frame_timecode_skips_frame_numbers():
    ntsc = Fraction(30000, 1001)
    assert to_timecode(1799, ntsc) == "00:00:59;29"
    assert to_timecode(1800, ntsc) == "00:01:00;02"  # ;00 and ;01 do not exist
    assert from_timecode("00:01:00;02", ntsc) == 1800
    assert to_timecode(17982, ntsc) == "00:10:00;00"  # every tenth minute keeps them


@pytest.mark.parametrize("rate", ["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"])
def test_timecode_round_trips_at_every_rate(rate):
    r = parse_rate(rate)
    for frame in (0, 1, 1000, 86399):
        assert from_timecode(to_timecode(frame, r), r) == frame
    assert rate_text(r) in ("24000/1001", "30000/1001", "60000/1001", rate)


@pytest.mark.parametrize("fps", [8, 12, 16])
def test_whole_rates_outside_smpte_count_plainly(fps):
    rate = Fraction(fps)
    assert to_timecode(fps * 61 + 3, rate) == "00:01:01:03"
    assert from_timecode("00:01:01:03", rate) == fps * 61 + 3
    with pytest.raises(ValueError, match="not a timecode"):
        from_timecode(f"00:00:00:{fps:02d}", rate)
