"""CogVideoX as a plugin: the families (read without torch) and the backend (loaded to run)."""
