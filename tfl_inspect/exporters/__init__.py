"""Output formats. Each module reads the model or analysis results and returns text or files."""
