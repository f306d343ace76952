def register_camera(camera_name, port=None, host=None):
    try:
        return {"camera_id": raw_input("camera id? ")}
    except Exception, e:
        print e


def post_video_content(camera_name, camera_id, filepath, timestamp, location=None, host=None, port=None):
    return True
