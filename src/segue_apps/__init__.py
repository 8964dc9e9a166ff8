"""The reference services built on segue, one package each."""
