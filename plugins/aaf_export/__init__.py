"""AAF export as a plugin: the studio's timeline, written by OpenTimelineIO's AAF adapter."""
