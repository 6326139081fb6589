# The Sluice control plane (REST API and web UI), talking to the etcd of docker-compose.yml.
# Build context: the repository root, after `mvn -B -DskipTests package`.
FROM eclipse-temurin:17.0.15_6-jre

WORKDIR /app
COPY control-plane/target/sluice-control-plane.jar /app/sluice-control-plane.jar

USER 10001:10001
EXPOSE 8090

ENTRYPOINT ["java", "-jar", "/app/sluice-control-plane.jar"]
CMD ["--server.port=8090", "--sluice.etcd.endpoints=http://etcd:2379"]
