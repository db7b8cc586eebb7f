"""One config dataclass per generative model, and the presets for the four models.

* ``cgan``: AlloyGAN's conditional GAN as published (METHOD.md, section 3): G gets
  z(5) ⊕ c, D gets composition ⊕ c; c = the thermal features (Tg, Tx, Tl and our 17
  confirmed GFA criteria, standardised); sigmoid outputs; BCE; Adam lr 2e-4, weight
  decay 1e-5 (torch's default betas, as the paper states none); batch 2; 100 epochs.
* ``gan``: the same networks without any condition (compositions only).
* ``gan-plus``: "a plain GAN whose input includes the thermodynamic features". We read
  it as: the generator gets noise ⊕ features (as in the CGAN), the discriminator sees the
  composition alone, so nothing ties the output to the features.
* ``ours``: see docs/generative_models.md for the variants tried and why this one won.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace

from alloygan.models.descriptors.thermal import FEATURE_NAMES, TEMPERATURES

GENERATIVE_MODELS: tuple[str, ...] = ("cgan", "gan", "gan-plus", "ours")
OUTPUTS = ("sigmoid", "softmax", "sparsemax", "gated")
LOSSES = ("bce", "wgan-gp")


@dataclass(frozen=True)
class GenerativeConfig:
    model: str = "cgan"
    noise_dim: int = 5
    generator_hidden: tuple[int, ...] = (512,)
    discriminator_hidden: tuple[int, ...] = (1024,)
    output: str = "sigmoid"  # sigmoid (paper); softmax, sparsemax or gated (presence gate × softmax) on the simplex
    loss: str = "bce"  # bce (paper) or wgan-gp (Wasserstein with gradient penalty)
    condition_features: tuple[str, ...] = FEATURE_NAMES  # () = unconditional
    condition_discriminator: bool = True  # False for gan-plus: only G sees the features
    family_condition: bool = False  # one-hot of the base element appended to the condition
    vocabulary: tuple[str, ...] = ()  # () = the elements of the training data
    condition_clip: float = 5.0  # standardised conditions are clipped to ±this (outlier criteria, extrapolated targets)
    epochs: int = 100
    batch_size: int = 2
    learning_rate: float = 2e-4
    weight_decay: float = 1e-5
    betas: tuple[float, float] = (0.9, 0.999)
    critic_steps: int = 1  # discriminator updates per generator update
    gradient_penalty: float = 10.0  # wgan-gp only
    eval_every: int = 5  # epochs between recorded KL / JS / W values (training curves)

    def __post_init__(self) -> None:
        if self.model not in GENERATIVE_MODELS:
            raise ValueError(f"unknown generative model {self.model!r}; use one of {', '.join(GENERATIVE_MODELS)}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(OUTPUTS)}; got {self.output!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {self.loss!r}")
        unknown = [f for f in self.condition_features if f not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"unknown condition features {unknown}; use names from FEATURE_NAMES")
        for name in ("noise_dim", "epochs", "batch_size", "critic_steps", "eval_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1; got {getattr(self, name)}")

    @property
    def conditional(self) -> bool:
        return bool(self.condition_features) or self.family_condition

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GenerativeConfig":
        known = {f.name for f in fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)

    def digest(self) -> str:
        """A short hash of every setting: a saved model with another digest is stale."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    def updated(self, **changes) -> "GenerativeConfig":
        return replace(self, **changes)


# The winner of the comparison in docs/generative_models.md.
OURS = GenerativeConfig(
    model="ours",
    noise_dim=16,
    generator_hidden=(256, 256),
    discriminator_hidden=(256, 256),
    output="gated",
    loss="wgan-gp",
    condition_features=TEMPERATURES,
    family_condition=True,
    epochs=600,
    batch_size=32,
    learning_rate=1e-3,
    weight_decay=0.0,
    betas=(0.5, 0.9),
    critic_steps=3,
)

# One change at a time from OURS: the comparison behind the choice (`alloygan bench generative --ablation`).
ABLATIONS: dict[str, GenerativeConfig] = {
    "ours": OURS,
    "ours: sigmoid outputs": OURS.updated(output="sigmoid"),
    "ours: softmax, no presence gate": OURS.updated(output="softmax"),
    "ours: BCE loss": OURS.updated(loss="bce", critic_steps=1),
    "ours: 20 thermal features": OURS.updated(condition_features=FEATURE_NAMES),
}

PRESETS: dict[str, GenerativeConfig] = {
    "cgan": GenerativeConfig(model="cgan"),
    "gan": GenerativeConfig(model="gan", condition_features=()),
    "gan-plus": GenerativeConfig(model="gan-plus", condition_discriminator=False),
    "ours": OURS,
}


# The multi-family model sees ~8x more alloys per epoch; 100 epochs give it about the
# number of updates a per-family model gets in 600 (and keep its training near a minute).
MULTI_FAMILY_EPOCHS = {"ours": 100}


def default_config(model: str, family: str | None = None) -> GenerativeConfig:
    """The preset of `model`; for family "all", with the multi-family number of epochs."""
    if model not in PRESETS:
        raise ValueError(f"unknown generative model {model!r}; use one of {', '.join(GENERATIVE_MODELS)}")
    config = PRESETS[model]
    if family == "all" and model in MULTI_FAMILY_EPOCHS:
        config = config.updated(epochs=MULTI_FAMILY_EPOCHS[model])
    return config
