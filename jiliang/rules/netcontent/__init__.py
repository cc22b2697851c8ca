"""Net content of prepackaged goods (定量包装商品净含量): is a lot acceptable?

The rule sets are data files in ``jiliang/rules/data/netcontent/`` (one per
edition, each naming its source, clauses and confidence): JJF 1070-2005 in
full, OIML R 87:2004 and the EU 76/211/EEC reference test as far as the
reference confirms them, and JJF 1070-2023 by its dates only (its tables are
not at hand, so it refuses to judge). A new edition is a new data file.

A lot is judged on a sample (JJF 1070-2005 with Order 75 annexes 3 and 4):

- T, the tolerable deficiency, from the table for the nominal quantity Qn;
- no unit may be short by more than 2T (a "T2-class" unit);
- at most ``allowed_over_t`` units may be short by more than T (and at most 2T);
- for lots of 11 and more, the mean q̄ >= Qn − λ·s, with s using n − 1.

Decimal arithmetic throughout (binary floats round 0.045 × 130 the wrong way).
The rounding of T is a parameter of each rule set (``t_rounding``): the JJF
text says 修约 and its tie rule is not confirmed; the default and its reason
are written in the data file and returned with every judgement.

Command line (one JSON object in, one out; exit status 2 on input that cannot
be judged)::

    echo '{"rule_set": "jjf1070-2005", "nominal": "500", "unit": "g",
           "lot_size": 1000, "values": ["498.2", ...]}' | python -m jiliang.rules.netcontent

The package: ``rulesets`` (the editions as data), ``quantities`` (numbers, units, lot sizes),
``tolerance`` (T and the sampling plan), ``judgement`` (``judge``, one step per clause), ``cli``.
"""

from jiliang.rules.netcontent.cli import main, run
from jiliang.rules.netcontent.judgement import FAILURES, Judgement, judge
from jiliang.rules.netcontent.quantities import (
    CONTEXT,
    UNIT_ALIASES,
    parse_lot_size,
    parse_number,
    parse_unit,
    plain,
)
from jiliang.rules.netcontent.rulesets import (
    DATA_DIR,
    PlanRow,
    Quantity,
    RuleSet,
    SecondStage,
    TRow,
    rule_set,
    rule_set_in_force,
    rule_set_of,
    rule_sets,
)
from jiliang.rules.netcontent.tolerance import ROUNDING_MODES, plan_row, tolerable_deficiency

__all__ = [
    "CONTEXT",
    "DATA_DIR",
    "FAILURES",
    "ROUNDING_MODES",
    "UNIT_ALIASES",
    "Judgement",
    "PlanRow",
    "Quantity",
    "RuleSet",
    "SecondStage",
    "TRow",
    "judge",
    "main",
    "parse_lot_size",
    "parse_number",
    "parse_unit",
    "plain",
    "plan_row",
    "rule_set",
    "rule_set_in_force",
    "rule_set_of",
    "rule_sets",
    "run",
    "tolerable_deficiency",
]
