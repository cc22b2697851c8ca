from tests.base import PersonaTestCase
from tests.licensing.helpers import D, accepted, act


class Smoke(PersonaTestCase):
    def test_flow(self):
        app = accepted(self.p)
        print(app.state, app.voucher_number, app.decision_due, app.number)
        app = act(app, self.p.gd_clerk, "stop_clock", D(2025, 10, 9), stop_kind="testing", working_days=10, reasons="type evaluation")
        app = act(app, self.p.gd_clerk, "resume_clock", D(2025, 10, 20), result="passed")
        print(app.state, app.decision_due)
        app = act(app, self.p.gd_head, "approve", D(2025, 10, 21))
        print(app.state, app.licence.number, app.licence.valid_until)
