"""Files the API and the pages hand out: the dossier and the statistics, as JSON or a workbook.

A workbook is in Chinese unless English is asked for: on the API by `?lang=en`, else by an
Accept-Language that prefers English to Chinese; on the pages it is the page's language. JSON keeps
its codes (it is for programs) whatever the language.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Response
from fastapi.responses import JSONResponse

from services.export_labels import DEFAULT, LANGS
from services.filed_workbooks import dossier_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def export_language(
        lang: Annotated[Literal["zh", "en"] | None,
                        Query(description="The workbook's language (format=xlsx): zh (default) or en; "
                                          "without it, Accept-Language decides.")] = None,
        accept_language: Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)] = None,
) -> str:
    return lang or preferred(accept_language or "")


ExportLanguage = Annotated[str, Depends(export_language)]


def preferred(accept_language: str) -> str:
    """The first of zh and en by the header's weights (RFC 9110 §12.5.4): 'en-US,en;q=0.9' is en,
    'zh-CN,en;q=0.5' zh, '*' or anything else the default."""
    ranked = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def workbook(content: bytes, filename: str) -> Response:
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def dossier_file(d: dict[str, Any], case_id: str, fmt: str, *, attach_json: bool, lang: str = DEFAULT) -> Response:
    """The dossier as a workbook (always a download), or as JSON (a download when `attach_json`)."""
    if fmt == "xlsx":
        return workbook(dossier_workbook(d, lang), f"dossier-{case_id}.xlsx")
    headers = {"Content-Disposition": f'attachment; filename="dossier-{case_id}.json"'} if attach_json else None
    return JSONResponse(d, headers=headers)


ICS = "text/calendar; charset=utf-8"


def ical_file(content: str, filename: str) -> Response:
    """An iCalendar file (RFC 5545), to download or to subscribe to."""
    return Response(content.encode("utf-8"), media_type=ICS,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
