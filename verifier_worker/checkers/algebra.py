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
    if previous.solutions is None or current.solutions is None:
        return AlgebraFinding(current, previous, "unclear", "not solvable within bounds")
    if previous.solutions == current.solutions:
        return AlgebraFinding(current, previous, "holds")
    if previous.solutions <= current.solutions or current.solutions <= previous.solutions:
        return AlgebraFinding(current, previous, "unclear", "solution sets nest (a root chosen or added)")
    return AlgebraFinding(current, previous, "fails")


def describe_solutions(solutions: frozenset[Any]) -> str:
    return ", ".join(sorted(str(s) for s in solutions))
