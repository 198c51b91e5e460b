"""Training: corpora → a fitted, cross-validated model folder with its card (``esq train``).

Takes corpus folders; gives a :class:`pipeline.model.Model` saved with its card.
"""

from .train import train

__all__ = ["train"]
