# The web and worker image. Model weights never go in here: the gpu profile's vllm service serves them.
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=tutor.settings.production
WORKDIR /app
COPY pyproject.toml ./
COPY tutor ./tutor
COPY grading ./grading
COPY verifier_worker ./verifier_worker
# EXTRAS=handwriting builds the ocr worker's image: torch's CPU-only wheels first (a few hundred MB instead of
# the CUDA build's gigabytes), then mathnote-ocr.
ARG EXTRAS=
RUN case "$EXTRAS" in *handwriting*) pip install --no-cache-dir torch torchvision \
        --index-url https://download.pytorch.org/whl/cpu ;; esac \
 && pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}"
COPY . .
COPY --from=assets /app/node_modules ./node_modules
RUN SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput
RUN useradd --create-home tutor
USER tutor
EXPOSE 8000
CMD ["gunicorn", "tutor.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
