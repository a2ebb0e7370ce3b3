"""Compact catalogue entries: one edit of one function, named within its module."""

from collections.abc import Callable

from autograder.mutation import Alternative, Mutant, patch, replace

Entry = Callable[..., Mutant]
AltEntry = Callable[[str, str, str, str], Alternative]


def one_edit(module: str) -> tuple[Entry, AltEntry]:
    """Makers of a module's one-edit entries: (name, function, old, new[, diagnosis]), where
    the name is given without the ``module:`` prefix every entry of the catalogue carries."""

    def mutant(name: str, function: str, old: str, new: str, diagnosis: str = "") -> Mutant:
        return Mutant(f"{module}: {name}", f"{module}.{function}", replace(old, new), diagnosis)

    def alternative(name: str, function: str, old: str, new: str) -> Alternative:
        return Alternative(f"{module}: {name}", module, patch(function, replace(old, new)))

    return mutant, alternative
