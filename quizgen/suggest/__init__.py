"""`quizgen suggest`: a spec proposed from the content itself.

- `propose`: per module, the question types and counts its text can support (pure);
- `render`: the proposal as a commented TOML spec (pure);
- `sources`: reading the files or Canvas modules named on the command line (I/O).
"""
