# Container image of the distribution. Build the binary first (`make build`);
# CGO is off, so the static binary runs on a distroless base.
FROM gcr.io/distroless/static-debian12:nonroot
COPY _build/otelcol-genai /otelcol-genai
COPY collector-config.yaml /etc/otelcol-genai/config.yaml
EXPOSE 4317 4318 13133
ENTRYPOINT ["/otelcol-genai"]
CMD ["--config=/etc/otelcol-genai/config.yaml"]
