"""Export everything stored about one patient as JSON, for a data-subject access request (GDPR art. 15).

    python manage.py export_patient_data 42 --output patient-42.json --actor mona_manager

The export is audited as an access of the patient; `--actor` names the office manager who handles the
request, so the audit row says who read the data.
"""

import json
from contextlib import nullcontext
from pathlib import Path

from auditlog.context import set_actor
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic_billing.exceptions import ApplicationError
from compliance.data_protection import data_protection_actor
from compliance.patient_export import patient_data_export


class Command(BaseCommand):
    help = "Write everything stored about one patient as JSON (GDPR art. 15 right of access)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient_id", type=int)
        parser.add_argument("--output", help="File to write (UTF-8 JSON); standard output when omitted.")
        parser.add_argument("--actor", help="Username of the office manager handling the request (audited).")

    def handle(self, *args: object, **options: object) -> None:
        patient_id = int(str(options["patient_id"]))
        try:
            actor = data_protection_actor(username=str(options["actor"])) if options["actor"] else None
            with set_actor(actor) if actor else nullcontext():
                data = patient_data_export(patient_id=patient_id)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if options["output"]:
            Path(str(options["output"])).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote the data of patient {patient_id} to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
