"""The site in Spanish: chosen by the browser's language or the footer, kept by the address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reports.intake.services import find_tip_by_receipt

pytestmark = pytest.mark.e2e


def test_spanish_browser_gets_spanish_and_can_switch_to_english(live_server, county, new_context):
    page = new_context(locale="es-MX", viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/es/"
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Reportar algo").first).to_be_visible()

    page.get_by_role("link", name="English").click()
    assert page.url == f"{live_server.url}/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server.url}/contact/")  # a typed address: an arrival again
    assert page.url == f"{live_server.url}/es/contact/"
    page.get_by_role("link", name="English").click()
    page.get_by_role("link", name="anonymous report form").click()  # moving around keeps English
    assert page.url == f"{live_server.url}/report/"
    assert {cookie["name"] for cookie in page.context.cookies()} <= {"csrftoken"}  # no language cookie


def test_student_reports_in_spanish_on_a_phone(live_server, county, phone):
    page = phone
    page.goto(f"{live_server.url}/es/report/")
    expect(page.get_by_role("heading", name="Reportar algo")).to_be_visible()
    expect(page.locator("#step-progress")).to_have_text("Paso 1 de 5")
    page.get_by_role("button", name="Sí, alguien está en peligro").tap()
    expect(page.get_by_role("link", name="Llama al 911")).to_be_visible()
    expect(page.locator("#step-progress")).to_have_text("Paso 2 de 5")
    page.get_by_role("button", name="Atrás").tap()
    page.get_by_role("button", name="No", exact=True).tap()
    page.get_by_role("button", name=re.compile("^Acoso, en persona o en línea")).tap()
    expect(page.get_by_role("heading", name="¿Qué escuela?")).to_be_visible()
    page.get_by_label("Escribe parte del nombre de la escuela").fill("clay")
    expect(page.get_by_text("1 escuela coincide.")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Clayton High School")).tap()
    expect(page.get_by_role("heading", name="¿Qué está pasando?")).to_be_visible()
    page.get_by_label("Cuéntanos lo que viste, oíste o leíste").fill("Unos chavos molestan a un niño de sexto grado.")
    page.get_by_role("button", name="Siguiente").tap()
    page.get_by_role("button", name="Enviar reporte").tap()

    expect(page.get_by_role("heading", name="Tu reporte se envió")).to_be_visible()
    receipt = page.locator("#receipt-code").inner_text()
    page.get_by_role("button", name="Listo").tap()
    expect(page.get_by_text("Marca la casilla cuando tengas tu recibo guardado en un lugar seguro.")).to_be_visible()
    page.get_by_label("Ya anoté o guardé mi recibo.").check()
    page.get_by_role("button", name="Listo").tap()
    expect(page.get_by_role("heading", name="Gracias")).to_be_visible()
    assert find_tip_by_receipt(receipt).language == "es"
