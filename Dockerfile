FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# pg_dump/pg_restore for `manage.py backup` / `restore` (the client of the same major version as the postgres:15 service).
# LibreOffice Writer without its desktop parts (libreoffice-writer-nogui) turns the order, the annex and the school
# passports into PDF (reports/passport.py); fonts with Cyrillic that keep the documents' layout: Liberation (metrics of
# Times New Roman and Arial, the ГОСТ layout), Carlito (metrics of Calibri, python-docx's headings), DejaVu (fallback).
# Costs about 360 MB of the image (about 120 MB to download) (README «docker-compose»); without it the portal offers Word only and says why.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
       libreoffice-writer-nogui fonts-liberation2 fonts-crosextra-carlito fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Mount points owned by the portal's user: a named volume takes the owner of the directory it is first mounted on.
RUN useradd --create-home portal && mkdir -p /data/media /app/var/staticfiles && chown portal /data/media /app/var/staticfiles
USER portal
EXPOSE 8000
