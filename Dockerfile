FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY ingest ./ingest
COPY prompts ./prompts
RUN pip install --no-cache-dir -e .
ENV TROLY_DATA_DIR=/app/data
EXPOSE 8000
CMD ["troly", "serve", "--host", "0.0.0.0", "--port", "8000"]
