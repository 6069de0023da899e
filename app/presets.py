"""Lesson presets: one per concept of the course, each with a claim that a test checks over 10 seeds.

A preset is an experiment (a session config, or a comparison config) plus what a teacher says
about it: the caption a student reads (with its formula as MathML, rendered by the browser, no
MathJax download) and the claim — the sentence `tests/teaching/test_teaching_presets.py`
verifies for seeds 0…9, so that what the preset shows is what the lesson says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from app.nn.registry import Registry


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    week: int  # the course week it belongs to (5: beyond the first course)
    kind: Literal["session", "comparison"]
    config: dict[str, Any]  # a session config, or {"base", "vary", "target_loss"} for a comparison
    caption: str  # what to look at, plain text
    formula: str  # MathML <math> element (static, trusted content)
    claim: str  # what the teaching test checks over 10 seeds
    epochs: int  # how long to train for the claim to show (also the embed's default loop)
    view: dict[str, Any] = field(default_factory=dict)  # page hints, e.g. {"speed": 30}
    # the quantities the claim is about (keys of QUANTITIES): every page of the lesson (playground,
    # comparison, /embed) keeps them on screen from the first frame, and the test reads them there
    shows: tuple[str, ...] = ()
    chart: Literal["train", "test", "layers"] = "train"  # what a comparison's chart opens on


# What a claim may be about, and where a page shows it. The page reads each from the frame it draws
# (metrics, units, layer_grads; app/api/frames.py), so the test that checks a claim can read the same.
QUANTITIES: dict[str, str] = {
    "train_cost": "training cost J (metrics.train.cost)",
    "test_cost": "test cost (metrics.test.cost)",
    "train_accuracy": "training accuracy (metrics.train.accuracy)",
    "test_accuracy": "test accuracy (metrics.test.accuracy)",
    "target_epoch": "first epoch whose training cost reached the comparison's target",
    "diverged": "whether, and at which epoch, a run diverged",
    "dead_units": "hidden units whose output is 0 at every training point (units[l].dead)",
    "saturated": "share of hidden activations within 1% of a sigmoid/tanh asymptote, per layer (units[l].saturated)",
    "distinct_units": "units of a layer that differ from each other (units[l].distinct)",
    "layer_grads": "‖dW[l]‖ per layer, mean over the last 10 epochs (layer_grads)",
}


def _m(body: str) -> str:
    return f'<math display="block">{body}</math>'


SIGMOID = _m("<mi>ŷ</mi><mo>=</mo><mi>σ</mi><mo>(</mo><msup><mi>w</mi><mi>T</mi></msup><mi>x</mi><mo>+</mo>"
             "<mi>b</mi><mo>)</mo><mo>,</mo><mspace width='1em'/><mi>σ</mi><mo>(</mo><mi>z</mi><mo>)</mo>"
             "<mo>=</mo><mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow><mo>−</mo><mi>z</mi>"
             "</mrow></msup></mrow></mfrac>")
LAYER = _m("<msup><mi>Z</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><mo>=</mo><msup><mi>W</mi><mrow>"
           "<mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><msup><mi>A</mi><mrow><mo>[</mo><mi>l</mi><mo>−</mo>"
           "<mn>1</mn><mo>]</mo></mrow></msup><mo>+</mo><msup><mi>b</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo>"
           "</mrow></msup><mo>,</mo><mspace width='1em'/><msup><mi>A</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo>"
           "</mrow></msup><mo>=</mo><msup><mi>g</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><mo>(</mo>"
           "<msup><mi>Z</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><mo>)</mo>")
LINEAR = _m("<msup><mi>W</mi><mrow><mo>[</mo><mn>2</mn><mo>]</mo></mrow></msup><mo>(</mo><msup><mi>W</mi><mrow>"
            "<mo>[</mo><mn>1</mn><mo>]</mo></mrow></msup><mi>x</mi><mo>+</mo><msup><mi>b</mi><mrow><mo>[</mo>"
            "<mn>1</mn><mo>]</mo></mrow></msup><mo>)</mo><mo>+</mo><msup><mi>b</mi><mrow><mo>[</mo><mn>2</mn>"
            "<mo>]</mo></mrow></msup><mo>=</mo><msup><mi>W</mi><mo>′</mo></msup><mi>x</mi><mo>+</mo><msup>"
            "<mi>b</mi><mo>′</mo></msup>")
UPDATE = _m("<mi>w</mi><mo>:=</mo><mi>w</mi><mo>−</mo><mi>α</mi><mfrac><mrow><mo>∂</mo><mi>J</mi></mrow>"
            "<mrow><mo>∂</mo><mi>w</mi></mrow></mfrac>")
CHAIN = _m("<msup><mi>dZ</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><mo>=</mo><msup><mi>dA</mi>"
           "<mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><mo>∗</mo><msup><mi>g</mi><mo>′</mo></msup>"
           "<mo>(</mo><msup><mi>Z</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><mo>)</mo>")
RELU = _m("<mi>g</mi><mo>(</mo><mi>z</mi><mo>)</mo><mo>=</mo><mo>max</mo><mo>(</mo><mn>0</mn><mo>,</mo>"
          "<mi>z</mi><mo>)</mo><mo>,</mo><mspace width='1em'/><msup><mi>g</mi><mo>′</mo></msup><mo>(</mo><mi>z</mi>"
          "<mo>)</mo><mo>=</mo><mn>0</mn><mtext>&#xA0;for&#xA0;</mtext><mi>z</mi><mo>&lt;</mo><mn>0</mn>")
L2 = _m("<mi>J</mi><mo>=</mo><mfrac><mn>1</mn><mi>m</mi></mfrac><munder><mo>∑</mo><mi>i</mi></munder><mi>L</mi>"
        "<mo>(</mo><msup><mi>ŷ</mi><mrow><mo>(</mo><mi>i</mi><mo>)</mo></mrow></msup><mo>,</mo><msup><mi>y</mi>"
        "<mrow><mo>(</mo><mi>i</mi><mo>)</mo></mrow></msup><mo>)</mo><mo>+</mo><mfrac><mi>λ</mi><mn>2</mn>"
        "</mfrac><munder><mo>∑</mo><mi>l</mi></munder><msup><mrow><mo>‖</mo><msup><mi>W</mi><mrow><mo>[</mo>"
        "<mi>l</mi><mo>]</mo></mrow></msup><mo>‖</mo></mrow><mn>2</mn></msup>")
SOFTMAX = _m("<msub><mi>ŷ</mi><mi>k</mi></msub><mo>=</mo><mfrac><msup><mi>e</mi><msub><mi>z</mi><mi>k</mi></msub>"
             "</msup><mrow><msub><mo>∑</mo><mi>j</mi></msub><msup><mi>e</mi><msub><mi>z</mi><mi>j</mi></msub>"
             "</msup></mrow></mfrac><mo>,</mo><mspace width='1em'/><mi>L</mi><mo>=</mo><mo>−</mo><munder><mo>∑</mo>"
             "<mi>k</mi></munder><msub><mi>y</mi><mi>k</mi></msub><mo>log</mo><msub><mi>ŷ</mi><mi>k</mi></msub>")
DROPOUT = _m("<msup><mi>d</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup><mo>∼</mo><mtext>Bernoulli</mtext>"
              "<mo>(</mo><mi>k</mi><mo>)</mo><mo>,</mo><mspace width='1em'/><msup><mi>A</mi><mrow><mo>[</mo><mi>l</mi>"
              "<mo>]</mo></mrow></msup><mo>:=</mo><mfrac><mrow><msup><mi>A</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo>"
              "</mrow></msup><mo>∗</mo><msup><mi>d</mi><mrow><mo>[</mo><mi>l</mi><mo>]</mo></mrow></msup></mrow>"
              "<mi>k</mi></mfrac><mo>,</mo><mspace width='1em'/><mi>k</mi><mo>=</mo><mn>1</mn><mo>−</mo><mi>p</mi>")
ADAM = _m("<mi>v</mi><mo>:=</mo><mi>β</mi><mi>v</mi><mo>+</mo><mo>(</mo><mn>1</mn><mo>−</mo><mi>β</mi><mo>)</mo>"
          "<mi>dW</mi><mo>,</mo><mspace width='1em'/><mi>W</mi><mo>:=</mo><mi>W</mi><mo>−</mo><mi>α</mi><mi>v</mi>")
FEATURES = _m("<mi>z</mi><mo>=</mo><msub><mi>w</mi><mn>1</mn></msub><msubsup><mi>x</mi><mn>1</mn><mn>2</mn>"
              "</msubsup><mo>+</mo><msub><mi>w</mi><mn>2</mn></msub><msubsup><mi>x</mi><mn>2</mn><mn>2</mn>"
              "</msubsup><mo>+</mo><mi>b</mi>")


def _layers(units: list[int], activation: str) -> list[dict[str, Any]]:
    return [{"units": u, "activation": activation} for u in units]


_FLOWER = {"name": "flower", "n_samples": 800, "noise": 0.5}  # the course's planar data: 400 training points, jitter 0.2
_OVERFIT = {"name": "circle", "noise": 0.5, "train_ratio": 0.2, "n_samples": 300}

PRESETS: Registry[Preset] = Registry("preset", [
    Preset("logistic-regression", "Logistic regression is a network with no hidden layer", 2, "session",
           {"dataset": dict(_FLOWER), "layers": [],
            "optimizer": {"name": "sgd", "learning_rate": 0.1}, "batch_size": None},
           "No hidden layer and a sigmoid output: ŷ = σ(wᵀx + b). The boundary where ŷ = 0.5 is the "
           "straight line wᵀx + b = 0, whatever you train, so the flower's petals stay mixed.",
           SIGMOID, "The boundary is the straight line wᵀx + b = 0, and training accuracy on the flower stays "
                    "far from 90% (≤ 60%; the course reports 47%).",
           200, shows=("train_accuracy",)),
    Preset("flower-one-hidden-layer", "One hidden layer of 4 tanh units bends the boundary", 3, "session",
           {"dataset": dict(_FLOWER), "layers": _layers([4], "tanh"),
            "optimizer": {"name": "sgd", "learning_rate": 1.2}, "batch_size": None},
           "Four tanh units, each a straight line of its own, combine into a boundary that follows the petals: "
           "full-batch gradient descent with α = 1.2, as in the course's planar-data network, reaches about 90%.",
           LAYER, "A [4] tanh network reaches ≥ 85% training accuracy on the flower, and its boundary is no "
                  "longer a straight line.", 1000, shows=("train_accuracy",)),
    Preset("flower-hidden-sizes", "Hidden layer size: 1 to 50 units", 3, "comparison",
           {"base": {"dataset": dict(_FLOWER),
                     "optimizer": {"name": "sgd", "learning_rate": 1.2}, "batch_size": None},
            "vary": {"field": "layers", "values": [_layers([n], "tanh") for n in (1, 2, 4, 5, 20, 50)]},
            "target_loss": 0.3},
           "The same flower with 1, 2, 4, 5, 20 and 50 tanh units: too few cannot bend enough; beyond a "
           "handful, more units add little on this data.",
           LAYER, "1 or 2 units stay below 75% training accuracy; every network of 4 or more units reaches "
                  "≥ 85%, and 50 units beat 4 by at most 5 points.", 1000, shows=("train_accuracy",)),
    Preset("linear-collapse", "Without a non-linearity, depth adds nothing", 3, "comparison",
           {"base": {"dataset": {"name": "circle"}, "layers": _layers([8, 8, 8], "linear"),
                     "optimizer": {"name": "sgd", "learning_rate": 0.03}},
            "vary": {"field": "activation", "values": ["linear", "tanh", "relu"]}},
           "Three hidden layers with the identity activation compute one linear function of x: they cannot "
           "separate a circle. The same network with tanh or ReLU can.",
           LINEAR, "The linear network computes σ(W′x + b′) with W′ = W[4]W[3]W[2]W[1], a straight boundary, and "
                   "stays near chance (≤ 65% test accuracy); tanh and ReLU reach ≥ 90%.", 200,
           shows=("test_accuracy",)),
    Preset("activation-race", "Sigmoid, tanh, ReLU or leaky ReLU?", 1, "comparison",
           {"base": {"dataset": {"name": "circle"}, "layers": _layers([8, 8], "tanh"),
                     "optimizer": {"name": "sgd", "learning_rate": 0.03}},
            "vary": {"field": "activation", "values": ["sigmoid", "tanh", "relu", "leaky_relu"]},
            "target_loss": 0.1},
           "Same data, same initial weights, same learning rate: ReLU's slope is 1 wherever a unit is on, so "
           "gradient descent moves fast; sigmoid's slope is at most ¼ and vanishes when saturated.",
           RELU, "ReLU and leaky ReLU reach a train cost of 0.1 in fewer epochs than tanh, and tanh in fewer "
                 "than sigmoid.", 200, shows=("target_epoch",)),
    Preset("learning-rate", "The learning rate: crawl, converge, diverge", 4, "comparison",
           {"base": {"dataset": {"name": "circle", "n_samples": 500}, "layers": _layers([8, 8], "tanh"),
                     "batch_size": None},
            "vary": {"field": "learning_rate", "values": [0.01, 1.0, 20.0]}, "target_loss": 0.1},
           "α sets the size of each step downhill (full-batch gradient descent). Too small and the cost "
           "crawls; too large and each step overshoots: the cost bounces up until the run diverges.",
           UPDATE, "After 150 epochs α = 0.01 is still far from the target (train cost ≥ 0.5), α = 1 reaches "
                   "0.1, and α = 20 diverges.", 150, shows=("train_cost", "target_epoch", "diverged")),
    Preset("vanishing-gradients", "Vanishing gradients in a deep sigmoid network", 3, "comparison",
           {"base": {"dataset": {"name": "circle"}, "init": "he",
                     "optimizer": {"name": "sgd", "learning_rate": 0.03}},
            "vary": {"field": "layers", "values": [_layers([8] * 6, "sigmoid"), _layers([8] * 6, "relu")]}},
           "Backprop multiplies by g′(Z) at every layer; sigmoid's g′ ≤ ¼, so the first layer's gradient is "
           "orders of magnitude smaller than the last's: the chart shows ‖dW[l]‖ layer by layer, and the "
           "table the first layer's as a share of the output layer's. ReLU's g′ is 1 where a unit is on, "
           "and He initialisation keeps the activations at a steady scale through the layers.",
           CHAIN, "With sigmoid ‖dW[1]‖ (mean over the last 10 epochs) is < 1% of the output layer's; with "
                  "ReLU and He init it is > 10%.", 20, shows=("layer_grads",), chart="layers"),
    Preset("zero-init-symmetry", "Initialising with zeros never breaks the symmetry", 3, "comparison",
           {"base": {"dataset": {"name": "circle"}, "layers": _layers([4, 4], "sigmoid"),
                     "optimizer": {"name": "sgd", "learning_rate": 1.0}},
            "vary": {"field": "init", "values": ["zeros", "xavier"]}},
           "With all weights zero every sigmoid unit of a layer outputs the same value and gets the same "
           "gradient: the weights do change, but all alike, so each layer stays 4 copies of one unit (the "
           "table counts the distinct units) and the boundary stays a straight line. Random weights break "
           "the symmetry: 4 different units a layer bend the boundary round the circle. (With tanh, zeros "
           "are worse still: every activation is 0, so every weight gradient is 0 and nothing learns.)",
           LAYER, "With zeros every hidden layer has 1 distinct unit (equal rows of [W[l] | b[l]]), its "
                  "boundary is a straight line and the train cost stays above 0.5; with Xavier init every "
                  "layer has 4 distinct units and test accuracy reaches ≥ 90%.", 100,
           shows=("distinct_units", "test_accuracy")),
    Preset("large-init-saturation", "Large initial weights saturate tanh", 3, "comparison",
           {"base": {"dataset": {"name": "circle"}, "layers": _layers([8, 8], "tanh"),
                     "optimizer": {"name": "sgd", "learning_rate": 0.03}},
            "vary": {"field": "init", "values": ["large", "xavier"]}},
           "Weights drawn from N(0, 10²) put z far from 0, where tanh is flat: the slope is nearly zero and "
           "learning stalls. Xavier's N(0, 1/n) keeps most z where tanh still has a slope.",
           CHAIN, "With large init ≥ 80% of the hidden activations at the training points stay saturated "
                  "(|a| > 0.99, in each layer; Xavier: under 50%) and the train cost stays above 0.4; "
                  "Xavier's falls below 0.1.", 100, shows=("saturated", "train_cost")),
    Preset("dead-relu", "Dead ReLUs, and leaky ReLU as the fix", 3, "comparison",
           {"base": {"dataset": {"name": "spiral"}, "layers": _layers([16, 16], "relu"),
                     "optimizer": {"name": "adam", "learning_rate": 0.05}},
            "vary": {"field": "activation", "values": ["relu", "leaky_relu"]}},
           "Big early steps (Adam, α = 0.05) push many ReLU units' z below 0 at every training point: such a "
           "unit outputs 0, gets no gradient and never comes back (the table counts the dead units, the "
           "diagrams cross them out). A leaky ReLU keeps a slope of 0.01 there, so every unit still learns: "
           "with all 32 units at work, leaky ReLU ends with the higher test accuracy.",
           RELU, "ReLU ends with dead units (output 0 at every training point) and leaky ReLU with none; "
                 "leaky ReLU's test accuracy after 200 epochs is higher than ReLU's in at least 9 of 10 seeds, "
                 "and every leaky unit's weights keep changing.", 200, shows=("dead_units", "test_accuracy")),
    Preset("overfitting-l2", "Overfitting, and L2 regularisation", 5, "comparison",
           {"base": {"dataset": dict(_OVERFIT), "layers": _layers([32, 32], "relu"),
                     "optimizer": {"name": "adam", "learning_rate": 0.01}},
            "vary": {"field": "regularization", "values": [{"kind": "none", "rate": 0.0},
                                                          {"kind": "l2", "rate": 0.01}]}},
           "A big network on few noisy points learns the noise: training cost falls, test cost rises. The L2 "
           "penalty keeps the weights small and the boundary smooth.",
           L2, "Without regularisation the training cost falls below 0.05 while the test cost climbs back to "
               "≥ 2× its lowest; with L2 (λ = 0.01) the test−train cost gap is smaller.", 150,
           shows=("train_cost", "test_cost"), chart="test"),
    Preset("overfitting-dropout", "Overfitting, and dropout", 5, "comparison",
           {"base": {"dataset": dict(_OVERFIT), "layers": _layers([32, 32], "relu"),
                     "optimizer": {"name": "adam", "learning_rate": 0.01}},
            "vary": {"field": "dropout", "values": [0.0, 0.5]}},
           "Dropout switches off a random share p of hidden units at every update (and scales the rest up by "
           "1/k, k = 1 − p), so no unit can rely on another: the network cannot memorise the noise as easily. "
           "The test cost climbs less without the memorised noise.",
           DROPOUT, "Without dropout the test−train cost gap is larger than with dropout 0.5.", 150,
           shows=("train_cost", "test_cost"), chart="test"),
    Preset("memorise-random-labels", "A big network memorises random labels", 5, "session",
           {"dataset": {"name": "random", "n_samples": 200}, "layers": _layers([64, 64], "relu"),
            "optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": None},
           "The labels are coin flips: there is nothing to learn. A large enough network still drives the "
           "training cost down by memorising each point; the test accuracy stays at chance.",
           LAYER, "Training accuracy ≥ 90% while test accuracy stays within 50% ± 15%.", 800,
           shows=("train_accuracy", "test_accuracy")),
    Preset("softmax-multiclass", "Softmax for several classes", 3, "session",
           {"dataset": {"name": "spiral_multi", "classes": 3}, "layers": _layers([16, 16], "relu"),
            "optimizer": {"name": "adam", "learning_rate": 0.01}},
           "K output units and a softmax turn K scores into probabilities that sum to 1; with cross-entropy "
           "the output gradient is simply dZ = A − Y, as for logistic regression.",
           SOFTMAX, "The three class probabilities sum to 1 everywhere, and the network separates three spiral "
                    "arms (≥ 90% training accuracy).", 300, shows=("train_accuracy",)),
    Preset("optimizer-race", "SGD, momentum and Adam", 5, "comparison",
           {"base": {"dataset": {"name": "spiral"}, "layers": _layers([8, 8], "tanh"),
                     "optimizer": {"name": "sgd", "learning_rate": 0.01}},
            "vary": {"field": "optimizer", "values": ["sgd", "momentum", "adam"]}, "target_loss": 0.3},
           "Momentum averages the recent gradients, v = βv + (1 − β)dW: the path zig-zags less, but its steps "
           "are no longer than SGD's, so at the same α it is about as fast. Adam also divides each weight's "
           "step by its recent gradient size, so small gradients still make progress. Same α = 0.01 for all.",
           ADAM, "Adam reaches the target cost in fewer epochs than plain SGD.", 300, shows=("target_epoch",)),
    Preset("feature-engineering", "The right features make a circle linear", 2, "session",
           {"dataset": {"name": "circle"}, "features": ["x1_sq", "x2_sq"], "layers": [],
            "optimizer": {"name": "sgd", "learning_rate": 0.03}},
           "With x₁² and x₂² as inputs, the circle x₁² + x₂² = r² is a straight line in feature space: "
           "logistic regression alone separates it, no hidden layer needed.",
           FEATURES, "Logistic regression on x₁², x₂² is a straight line in feature space and reaches ≥ 95% test "
                     "accuracy on the circle.", 200, shows=("test_accuracy",)),
])
DEFAULT_PRESET = "activation-race"
