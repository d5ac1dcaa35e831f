"""The studio's prompt policy, as a plugin. Its rules live in an editable TOML file."""
