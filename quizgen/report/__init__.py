"""What a quiz's state and cost are: the status document (`status.py`) and token prices and
cost estimates (`cost.py`)."""
