"""The training engine: schedules, determinism, divergence handling and parameter checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from toy_claims.lab.optim import LRSchedule, OptimizerSpec
from toy_claims.lab.training import log_spaced_steps, train
from toy_claims.models.datasets import LowRankBigram, ZipfUnigram
from toy_claims.models.embedding import EmbedUnembedStack, Member

DATA = LowRankBigram(V=10, R=3, seed=0)


def test_source_001_decay_schedule():
    """2000 steps at the peak, then linear decay to 0.1× over the final 1000 (the 3000-step reading)."""
    s = LRSchedule(decay_steps=1000, final_factor=0.1)
    factors = [s.factor(t, 3000) for t in range(3000)]
    assert factors[:2000] == [1.0] * 2000
    assert np.isclose(factors[-1], 0.1) and np.isclose(factors[2499], 0.55)
    assert all(a >= b for a, b in zip(factors, factors[1:]))


@given(st.integers(1, 50), st.integers(100, 500))
def test_warmup_rises_linearly_to_the_peak(warmup, total):
    s = LRSchedule(warmup_steps=warmup)
    assert np.isclose(s.factor(0, total), 1 / warmup)
    assert s.factor(warmup - 1, total) == 1.0 == s.factor(total - 1, total)


@given(st.integers(0, 20), st.integers(0, 20), st.floats(0, 1), st.integers(40, 80))
def test_a_runs_factors_are_each_steps_factor(warmup, decay, final, total):
    s = LRSchedule(warmup_steps=warmup, decay_steps=decay, final_factor=final)
    assert s.factors(total) == [s.factor(t, total) for t in range(total)]


@pytest.mark.parametrize("batch_size", [None, 8])
def test_same_seeds_give_the_same_numbers(batch_size):
    def run():
        stack = EmbedUnembedStack(10, [Member(2, seed=5), Member(3, seed=6)], tied=False)
        return train(stack, DATA, steps=20, optim=OptimizerSpec("adam", 0.05), batch_size=batch_size, data_seeds=[1, 2]).gaps

    assert np.array_equal(run(), run())


def test_training_reduces_the_exact_gap():
    stack = EmbedUnembedStack(10, [Member(3, seed=0)], tied=False)
    log = train(stack, DATA, steps=200, optim=OptimizerSpec("adam", 0.05), eval_steps=[0, 200])
    assert log.gaps[-1, 0] < 0.01 * log.gaps[0, 0]


def test_on_eval_records_extras_at_every_evaluation_step():
    stack = EmbedUnembedStack(10, [Member(2)], tied=False)
    log = train(stack, DATA, steps=10, optim=OptimizerSpec(), eval_steps=[0, 5, 10],
                on_eval=lambda m, log_q: {"norm": float(m.embedding(0).norm()), "gap": float(DATA.loss_gap_of(log_q)[0])})
    assert log.steps == [0, 5, 10] and len(log.extras["norm"]) == 3
    assert log.extras["gap"] == list(log.gaps[:, 0])  # on_eval sees the very table the gap was computed from


def test_adamw_weight_decay_defaults_to_zero_not_torchs_001():
    assert OptimizerSpec("adamw").weight_decay == 0.0


def test_log_spaced_steps_start_at_zero_and_end_at_total():
    steps = log_spaced_steps(3000)
    assert steps[0] == 0 and steps[-1] == 3000 and steps == sorted(set(steps))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: OptimizerSpec("adma"), "optimizer"),
        (lambda: OptimizerSpec(lr=0.0), "lr"),
        (lambda: OptimizerSpec(lr=float("inf")), "lr"),
        (lambda: OptimizerSpec(weight_decay=-1.0), "weight_decay"),
        (lambda: LRSchedule(final_factor=-0.1), "final_factor"),
        (lambda: Member(0), "width"),
        (lambda: Member(2, init_std=0.0), "init_std"),
        (lambda: EmbedUnembedStack(10, [Member(2)], layernorm="rms"), "layernorm"),
        (lambda: train(EmbedUnembedStack(10, [Member(2)]), DATA, steps=0, optim=OptimizerSpec()), "steps"),
        (lambda: train(EmbedUnembedStack(10, [Member(2)]), DATA, steps=5, optim=OptimizerSpec(), batch_size=0), "batch_size"),
        (lambda: train(EmbedUnembedStack(10, [Member(2)]), DATA, steps=5, optim=OptimizerSpec(), device="tpu"), "device"),
        (lambda: train(EmbedUnembedStack(10, [Member(2)] * 2), DATA, steps=5, optim=[OptimizerSpec()]), "optim"),
        (lambda: train(EmbedUnembedStack(10, [Member(2)] * 2), DATA, steps=5,
                       optim=[OptimizerSpec("adam"), OptimizerSpec("sgd")]), "optimizer"),
        (lambda: train(EmbedUnembedStack(10, [Member(2)]), DATA, steps=5, optim=OptimizerSpec(), eval_steps=[9]), "eval_steps"),
    ],
)
def test_bad_parameters_name_themselves(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_optimizer_typo_gets_a_suggestion():
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        OptimizerSpec("adma")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (run on a GPU machine)")
@pytest.mark.parametrize("batch_size", [None, 16])
def test_cuda_training_matches_cpu(batch_size):
    def run(device):
        stack = EmbedUnembedStack(10, [Member(2, seed=1), Member(4, seed=2)], tied=True, layernorm="affine")
        return train(stack, DATA, steps=50, optim=OptimizerSpec("adam", 0.02), batch_size=batch_size,
                     data_seeds=[3, 4], device=device).gaps

    assert np.allclose(run("cuda"), run("cpu"), rtol=1e-3, atol=1e-6)


_LAYOUTS = {  # (parameter, gradient) as torch tensors of shape (6, 4) from the same numbers
    "contiguous parameter, transposed gradient": (lambda a: a.clone(), lambda g: g.T.contiguous().T),
    "transposed parameter, gradient in its strides": (lambda a: a.T.contiguous().T, lambda g: g.T.contiguous().T),
    "transposed parameter, contiguous gradient": (lambda a: a.T.contiguous().T, lambda g: g.clone()),
}


@pytest.mark.parametrize("layout", list(_LAYOUTS))
@pytest.mark.parametrize("name, momentum", [("adam", 0.0), ("adamw", 0.0), ("sgd", 0.0), ("sgd", 0.9)])
def test_a_fused_step_is_the_reference_step_whatever_the_gradients_strides(name, momentum, layout):
    """Torch 2.13's fused CPU kernels silently mis-update a gradient whose strides differ from its parameter's;
    build_optimizer's guard copies it into the parameter's layout first, so fused and the plain for-loop agree to
    rounding (without the guard the mismatched layouts differ by O(lr); making every gradient contiguous instead
    breaks the transposed parameter)."""
    from toy_claims.lab.optim import build_optimizer

    torch.manual_seed(0)
    start, grad = torch.randn(6, 4), torch.randn(6, 4)
    as_param, as_grad = _LAYOUTS[layout]
    after = {}
    for fused in (True, None):
        p = torch.nn.Parameter(as_param(start))
        spec = OptimizerSpec(name, lr=0.1, weight_decay=0.1 if name == "adamw" else 0.0, momentum=momentum)
        opt = build_optimizer(spec, [{"params": [p]}], foreach=None if fused else False, fused=fused)
        for _ in range(3):
            p.grad = as_grad(grad)
            opt.step()
        after[fused] = p.detach()
    torch.testing.assert_close(after[True], after[None], rtol=1e-5, atol=1e-6)
