// Starts Amazon DynamoDB Local as its own main class does, but listening on one address (by
// default 127.0.0.1) instead of every interface: the jar has no option for the address.
// emulator/dynamodb-local.ts compiles it once with the JDK compiler module (through `java` itself)
// into cdk.out/dynamodb-local-launcher/ and runs it with the jar on the class path: no build step,
// no class file to ship. It takes DynamoDB Local's own command-line arguments and, unlike the jar's main class, never
// sets up DynamoDB Local's telemetry.

import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDbLocalOnLoopback {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    // DynamoDBProxyServer keeps its Jetty server private and builds its connector with `new
    // Server(port)`, which binds every interface; the connector is not open until start().
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector) {
        ((ServerConnector) connector).setHost(host);
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no network connector to bind");
    proxy.start();
  }
}
