# The demo services and the load generator, with the Sluice agent beside them.
# Build context: the repository root, after `mvn -B -DskipTests package` (see docker-compose.yml).
# The agent is attached by the compose file (JAVA_TOOL_OPTIONS), not here, so the load generator
# runs from the same image without it.
FROM eclipse-temurin:17.0.15_6-jre

WORKDIR /app
COPY demo-mesh/target/sluice-demo.jar /app/sluice-demo.jar
COPY javaagent-extension/target/sluice-javaagent.jar /app/sluice-javaagent.jar

# The agent keeps its last-known-good rules here; the user has no home directory.
ENV SLUICE_STATE_DIR=/tmp/sluice
USER 10001:10001

ENTRYPOINT ["java", "-jar", "/app/sluice-demo.jar"]
CMD ["--help"]
