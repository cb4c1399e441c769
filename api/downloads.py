"""Files the API and the pages hand out: the dossier and the statistics, as JSON or a workbook."""
from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse

from services.xlsx import dossier_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(content: bytes, filename: str) -> Response:
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def dossier_file(d: dict[str, Any], case_id: str, fmt: str, *, attach_json: bool) -> Response:
    """The dossier as a workbook (always a download), or as JSON (a download when `attach_json`)."""
    if fmt == "xlsx":
        return workbook(dossier_workbook(d), f"dossier-{case_id}.xlsx")
    headers = {"Content-Disposition": f'attachment; filename="dossier-{case_id}.json"'} if attach_json else None
    return JSONResponse(d, headers=headers)


ICS = "text/calendar; charset=utf-8"


def ical_file(content: str, filename: str) -> Response:
    """An iCalendar file (RFC 5545), to download or to subscribe to."""
    return Response(content.encode("utf-8"), media_type=ICS,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
