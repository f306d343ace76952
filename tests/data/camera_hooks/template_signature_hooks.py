"""post_video_content with the signature the legacy template documented (host first): warned about at load."""


def register_camera(camera_name, host=None, port=None):
    return {"camera_id": "c-" + camera_name}


def post_video_content(host, port, camera_name, camera_id, filepath, timestamp, location=None):
    return True
