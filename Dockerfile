# Luban Atlas as one replica: slim Python, runtime requirements only, non-root, health-checked.
# Build: docker build -t luban-atlas .   Run: docker run -p 8501:8501 -e STREAMLIT_SERVER_COOKIE_SECRET=... luban-atlas
# Several replicas: give all of them the same STREAMLIT_SERVER_COOKIE_SECRET and put a balancer with cookie
# affinity in front (deploy/haproxy.cfg.in, deploy/k8s.yaml); list its public origin in
# STREAMLIT_SERVER_CORS_ALLOWED_ORIGINS and its host name in STREAMLIT_SERVER_ALLOWED_HOSTS.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Runtime dependencies only (requirements-dev.txt stays out: tests, Playwright, validators).
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 atlas
# What the app reads at run time; tests/, benchmarks/, tools/ and research/ are left out (.dockerignore).
COPY --chown=atlas:atlas app.py config.toml ./
COPY --chown=atlas:atlas .streamlit/ .streamlit/
COPY --chown=atlas:atlas pages/ pages/
COPY --chown=atlas:atlas components/ components/
COPY --chown=atlas:atlas atlas/ atlas/
COPY --chown=atlas:atlas locales/ locales/
COPY --chown=atlas:atlas static/ static/
COPY --chown=atlas:atlas data/ data/
USER atlas

EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"

CMD ["python", "-m", "streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", \
     "--server.headless=true"]
