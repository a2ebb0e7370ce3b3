"""cs231n_core: the package students complete in the "Training Neural Networks" unit.

Student modules (you fill them in): layers, normalization, initializers, optim,
classifiers, solver, preprocessing. Provided modules (use, do not edit):
gradient_check, data_utils, plots.
"""

__version__ = "0.1.0"
