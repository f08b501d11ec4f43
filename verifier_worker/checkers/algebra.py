"""Line-to-line algebra: does an equation follow from the one before it?

Two equations in the same single variable are compared by their solution sets (polynomial equations up to degree
4 after clearing denominators, solved exactly by sympy). Equal sets: the step follows. One set inside the other:
a legitimate move such as squaring both sides or picking a root, so no judgement. Different sets otherwise: the
step does not follow. An equality with variables on both sides that sympy proves is an identity is a correct
rewrite. Inputs are bounded (cas.to_sympy refuses big exponents) so sympy stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .. import cas
from .claims import Claim

Outcome = Literal["holds", "fails", "unclear"]
MAX_DEGREE = 4
MAX_OPS = 60


@dataclass(frozen=True)
class Equation:
    claim: Claim
    variable: str
    expression: Any  # sympy expression equal to zero
    solutions: frozenset[Any] | None  # None: could not be solved within the bounds

    @property
    def text(self) -> str:
        return f"{cas.render(self.claim.left.node)} = {cas.render(self.claim.right.node)}"

    def expected_form(self, value: Any) -> str | None:
        """For "3x = 25" and the value the previous line gives (x = 5): "3x = 15", the line that would follow."""
        left, right = self.claim.left.node, self.claim.right.node
        if cas.variables(left) and not cas.variables(right):
            side, rendered = left, cas.render(left)
        elif cas.variables(right) and not cas.variables(left):
            side, rendered = right, cas.render(right)
        else:
            return None
        import sympy

        try:
            number = sympy.nsimplify(cas.to_sympy(side).subs(sympy.Symbol(self.variable), value))
        except Exception:  # a value sympy cannot substitute: no suggestion
            return None
        if not number.is_Rational:
            return None
        shown = str(number) if number.q == 1 else f"{number.p}/{number.q}"
        return f"{rendered} = {shown}" if side is left else f"{shown} = {rendered}"


@dataclass(frozen=True)
class AlgebraFinding:
    equation: Equation
    previous: Equation | None
    outcome: Outcome
    reason: str = ""
    detail: str = ""


def _has_abs(node: cas.Node) -> bool:
    return isinstance(node, cas.Abs) or any(_has_abs(child) for child in cas.children(node))


def check_rewrite(claim: Claim) -> AlgebraFinding:
    """Both sides of a rewrite must be the same expression: their difference expands to zero."""
    import sympy

    names = sorted(cas.variables(claim.left.node) | cas.variables(claim.right.node))
    placeholder = Equation(claim, names[0] if names else "", 0, None)
    if claim.approximate or _has_abs(claim.left.node) or _has_abs(claim.right.node):
        # "|x - 1| = -(x - 1)" holds where x < 1: an identity on part of the line, which we cannot see.
        return AlgebraFinding(placeholder, None, "unclear", "holds only under a condition")
    try:
        left, right = cas.to_sympy(claim.left.node), cas.to_sympy(claim.right.node)
        if sympy.count_ops(left) + sympy.count_ops(right) > 2 * MAX_OPS:
            return AlgebraFinding(placeholder, None, "unclear", "too large to expand")
        difference = sympy.simplify(sympy.expand(left - right))
    except (cas.ParseFailure, cas.HostileInput):
        return AlgebraFinding(placeholder, None, "unclear", "not readable")
    except Exception:  # sympy could not decide: no judgement
        return AlgebraFinding(placeholder, None, "unclear", "sympy could not decide")
    if difference == 0:
        return AlgebraFinding(placeholder, None, "holds", "identity")
    point = {sympy.Symbol(name): value for name, value in zip(names, (1, 2, 3, 5), strict=False)}
    try:
        a, b = sympy.nsimplify(left.subs(point)), sympy.nsimplify(right.subs(point))
        shown = ", ".join(f"{name} = {value}" for name, value in zip(names, (1, 2, 3, 5), strict=False))
        detail = f"for {shown} the first is {a} and the second is {b}" if a.is_Rational and b.is_Rational else ""
    except Exception:  # the spot check is only for the explanation
        detail = ""
    return AlgebraFinding(placeholder, None, "fails", "rewrite", detail)


def _solve(expression: Any, variable: Any) -> frozenset[Any] | None:
    import sympy

    if sympy.count_ops(expression) > MAX_OPS:
        return None
    numerator, denominator = sympy.fraction(sympy.together(expression))
    try:
        poly = sympy.Poly(numerator, variable)
    except sympy.PolynomialError:
        return None
    if poly.degree() < 1 or poly.degree() > MAX_DEGREE:
        return None
    if any(not c.is_number for c in poly.all_coeffs()):
        return None
    roots = sympy.roots(poly)
    if sum(roots.values()) != poly.degree():
        return None
    excluded = {r for r in roots if denominator.free_symbols and denominator.subs(variable, r) == 0}
    return frozenset(sympy.nsimplify(r) for r in roots if r not in excluded)


def equation_of(claim: Claim, cache: dict[str, Equation | None]) -> Equation | None:
    """The claim as an equation in one variable, or None when it is not one."""
    names = cas.variables(claim.left.node) | cas.variables(claim.right.node)
    if len(names) != 1 or claim.approximate or _has_abs(claim.left.node) or _has_abs(claim.right.node):
        return None  # "100x ≈ 5.757", "|x - 1| = 1 - x" (true only on part of the line): not exact equations
    key = f"{claim.left.text}={claim.right.text}"
    if key in cache:
        return cache[key]
    import sympy

    (name,) = names
    equation: Equation | None
    try:
        expression = sympy.expand(cas.to_sympy(claim.left.node) - cas.to_sympy(claim.right.node))
        if expression == 0:
            equation = Equation(claim, name, expression, None)  # an identity, not a condition on the variable
        else:
            equation = Equation(claim, name, expression, _solve(expression, sympy.Symbol(name)))
    except (cas.ParseFailure, cas.HostileInput):
        equation = None
    except Exception:  # sympy raises many kinds (NotImplementedError, PolynomialError, ...): no judgement then
        equation = None
    cache[key] = equation
    return equation


def is_assignment(equation: Equation) -> bool:
    """ "x = 5", "N = 100/17": a value, not a relation the next line must follow (it may be one case of several,
    or a rounded value)."""
    left, right = equation.claim.left.node, equation.claim.right.node
    return (isinstance(left, cas.Var) and not cas.variables(right)) or (
        isinstance(right, cas.Var) and not cas.variables(left)
    )


def compare(previous: Equation, current: Equation) -> AlgebraFinding:
    if previous.variable != current.variable:
        return AlgebraFinding(current, previous, "unclear", "different variables")
    if current.expression == 0:
        return AlgebraFinding(current, previous, "holds", "identity")
    side = _one_side_rewritten(previous, current)
    if side is not None:
        return side
    if previous.solutions is None or current.solutions is None:
        return AlgebraFinding(current, previous, "unclear", "not solvable within bounds")
    if previous.solutions == current.solutions:
        return AlgebraFinding(current, previous, "holds")
    if previous.solutions <= current.solutions or current.solutions <= previous.solutions:
        return AlgebraFinding(current, previous, "unclear", "solution sets nest (a root chosen or added)")
    return AlgebraFinding(current, previous, "fails")


def _sides(equation: Equation) -> tuple[Any, Any] | None:
    try:
        return cas.to_sympy(equation.claim.left.node), cas.to_sympy(equation.claim.right.node)
    except (cas.ParseFailure, cas.HostileInput):
        return None


def _one_side_rewritten(previous: Equation, current: Equation) -> AlgebraFinding | None:
    """ "-2x + 4 = 4" then "5x + 4 = 4": the right side is kept, so the left must be the same expression rewritten,
    whatever the two equations' roots. Only "0" may stay while the other side is scaled ("2(x - 3) = 0", "x - 3 =
    0"). None when neither side is kept, or the kept side is 0 and the other side is a multiple."""
    import sympy

    before, after = _sides(previous), _sides(current)
    if before is None or after is None:
        return None
    for kept_before, changed_before in ((before[1], before[0]), (before[0], before[1])):
        for kept_after, changed_after in ((after[1], after[0]), (after[0], after[1])):
            if sympy.expand(kept_before - kept_after) != 0 or sympy.expand(changed_before - changed_after) == 0:
                continue
            # "(y - 2)^2 = 0" to "y - 2 = 0", "q^2 = 4" to "q = 2", "x - 14" to "-16": solving moves, not rewrites.
            if kept_before == 0 or _degree(changed_before) != _degree(changed_after) or _degree(changed_after) < 1:
                return None
            detail = _changed(changed_before, changed_after)
            return AlgebraFinding(current, previous, "fails", "one side rewritten", detail)
    return None


def _degree(expression: Any) -> int:
    import sympy

    try:
        return int(sympy.Poly(sympy.expand(expression), *sorted(expression.free_symbols, key=str)).total_degree())
    except Exception:  # not a polynomial
        return -1


def _changed(before: Any, after: Any) -> str:
    """ "-2x + 4 became 5x + 4; for x = 1 the first is 2 and the second is 9"."""

    text = f"{_shown(before)} became {_shown(after)}"
    names = sorted(before.free_symbols | after.free_symbols, key=str)
    for value in (1, 2, 3):
        point = {name: value for name in names}
        a, b = before.subs(point), after.subs(point)
        if a != b and a.is_Rational and b.is_Rational:
            shown = ", ".join(f"{name} = {value}" for name in names)
            return f"{text}, and for {shown} the first is {a} and the second is {b}"
    return text


def _shown(expression: Any) -> str:
    return str(expression).replace("**", "^").replace("*", "")


IDENTITY_WORDS = ("factor", "expand", "simplif", "rewrit", "multiply out", "foil", "distribut")


def intends_identity(claim: Claim, step_text: str = "") -> bool:
    """ "x² + 9 = (x + 3)(x − 3)": one side is the other factored (a product of factors with the variable, of the
    same degree), and either the variable cancels out of the difference (no equation has that form) or the step
    says it factors or expands: the step claims the two expressions are the same, not an equation to solve."""
    left, right = claim.left.node, claim.right.node
    names = cas.variables(left)
    if not names or names != cas.variables(right) or isinstance(left, cas.Var) or isinstance(right, cas.Var):
        return False
    if not (_factored(left) or _factored(right)):
        return False
    import sympy

    try:
        a, b = cas.to_sympy(left), cas.to_sympy(right)
        if sympy.count_ops(a) + sympy.count_ops(b) > 2 * MAX_OPS:
            return False
        symbols = [sympy.Symbol(name) for name in sorted(names)]
        degree_a = int(sympy.Poly(sympy.expand(a), *symbols).total_degree())
        degree_b = int(sympy.Poly(sympy.expand(b), *symbols).total_degree())
        difference = int(sympy.Poly(sympy.expand(a - b), *symbols).total_degree())
    except Exception:  # not polynomials: no claim about intent
        return False
    if not degree_a == degree_b >= 2:
        return False
    says_so = any(word in step_text.lower() for word in IDENTITY_WORDS)
    return difference <= 0 or (says_so and difference < degree_a)


def _factored(node: cas.Node) -> bool:
    """A product of at least two factors that contain a variable, or a power of a sum: "(x + 3)(x - 3)", "(x+1)^2"."""
    match node:
        case cas.Binary("mul", left, right):
            return (
                bool(cas.variables(left))
                and bool(cas.variables(right))
                and (cas.is_binary(left, "add", "sub") or cas.is_binary(right, "add", "sub"))
            )
        case cas.Binary("pow", base, _):
            return cas.is_binary(base, "add", "sub") and bool(cas.variables(base))
        case cas.Neg(inner):
            return _factored(inner)
        case _:
            return False


def describe_solutions(solutions: frozenset[Any]) -> str:
    return ", ".join(sorted(str(s) for s in solutions))
