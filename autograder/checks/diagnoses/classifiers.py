"""Likely mistakes of the ``classifiers`` tasks that read the hidden checks' own messages.

The rows that only compare answers are the self-check's too
(``cs231n_core/check/diagnoses/classifiers.py``); each task's rows here keep their order
among them.
"""

from cs231n_core.check.diagnoses import classifiers as public
from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    all_of,
    failed,
    passed,
    raised,
    said,
)

_INIT = "classifiers.FullyConnectedNet.__init__"
_LOSS = public.LOSS

TABLE: dict[str, tuple[D, ...]] = {
    **public.TABLE,
    _INIT: (
        D(said("biases, gammas and betas", "params['b"), "biases start at zero (np.zeros)"),
        D(said("biases, gammas and betas", "params['gamma"),
          "gamma starts at one and beta at zero"),
        D(said("PReLU slopes", "PRELU_INIT"), "PReLU slopes start at PRELU_INIT"),
        D(said("weight_scale", "times the expected"),
          "default weights are weight_scale * a standard normal draw"),
        D(said("seed", "weight_init=None"),
          "the default weights ignore the seed: draw them from the generator made from seed"),
        D(said("seed", "weight_init="),
          "the named initialiser is called without the net's generator: pass rng"),
        D(said("weight_init", "'gaussian'"),
          "the gaussian initialiser is called without std=weight_scale"),
        D(said("weight_init", "'he'", "0.71 times"),
          "weight_init='he' gives Xavier's variance: call initializers.he"),
        D(said("weight_init", "times the expected"),
          "the named initialiser gets its fans swapped: call it with (fan_in, fan_out)"),
        D(said("names and shapes", "unexpected entry 'beta"),
          "the last layer (the scores) has no normalisation, so no gamma or beta"),
    ),
    _LOSS: (
        D(said("L2 term", "factor 2"), "the L2 term is reg * sum(W**2) without the 0.5"),
        D(all_of(said("L2 term", "off by a factor"), failed("db")),
          "the biases are regularised too: the L2 term covers the weights only"),
        D(all_of(passed("L2 term"), said("dW", "reg=> 0"), passed("db")),
          "the L2 gradient is off: with 0.5 * reg * sum(W**2) in the loss, dW gets exactly "
          "reg * W (not 2 * reg * W, and not nothing)"),
        D(said("dgamma, dbeta", "no entry 'gamma"), "grads lacks dgamma: return every gradient"),
        D(all_of(said("scores", "with dropout"), passed("data loss")),
          "the scores (y=None) are computed in train mode: dropout and batchnorm run in test "
          "mode there"),
        D(all_of(said("scores", "with batchnorm"), passed("data loss")),
          "batchnorm gets a fresh parameter dict: pass self.bn_params[i], which keeps the "
          "running statistics"),
        D(all_of(failed("scores"), said("scores", "with dropout")),
          "the scores go through an activation: the last affine layer's output is the scores"),
        D(said("scores", "with batchnorm"),
          "normalisation comes after the activation: the order is affine, norm, activation, "
          "dropout"),
        D(all_of(failed("data loss"), passed("scores")),
          "dropout comes before the activation: the order is affine, norm, activation, dropout"),
        D(all_of(passed("data loss"), failed("db")),
          "the backward pass goes through the normalisation before the activation: undo the "
          "forward steps in reverse order"),
        D(raised("broadcast"),
          "the backward pass reads another layer's cache: pop the caches in reverse order"),
    ),
}
