"""A camera's registered settings as the motion worker reads them."""

from __future__ import annotations

from clipcrowd.services.camera_motion import params_for


def test_camera_settings_become_motion_parameters() -> None:
    assert params_for({}).cover_width == 320 and params_for({}).analysis_rate == 10.0
    chosen = params_for({"img_x_size_cover": 640, "img_y_size_cover": 360, "fps": 5})
    assert (chosen.cover_width, chosen.cover_height, chosen.analysis_rate) == (640, 360, 5.0)
    assert params_for({"img_y_size_cover": 90}).cover_width is None
