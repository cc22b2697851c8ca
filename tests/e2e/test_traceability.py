import pytest

from tests.e2e.conftest import login
from tests.traceability import helpers as traceability

pytestmark = pytest.mark.e2e


def test_a_standards_page_draws_its_chain_to_the_national_standard(page, e2e_personas):
    gd = e2e_personas.orgs["gd_institute"]
    public = traceability.standard(gd, "E2E-PS", category="social_public", name="砝码社会公用计量标准")
    working = traceability.standard(gd, "E2E-WS", upstream=public, name="电子秤检定装置")
    login(page, "gd_verifier")
    page.wait_for_url("**/desk/")
    page.goto(f"/traceability/standards/{working.pk}/")
    chain = page.locator("#chain li").all_inner_texts()
    assert [line.split()[0] for line in chain] == ["E2E-WS", "E2E-PS", "NAT-TEST"]
    # The graph is drawn by the static script (no inline script under the CSP).
    page.locator("#chain-graph canvas").first.wait_for()
    assert page.locator("#chain-state").inner_text().startswith("溯源链可溯源到国家计量基准")
