"""The street office's view across estates: each estate's stage and the monthly progress report."""
