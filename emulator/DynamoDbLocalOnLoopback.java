// Starts Amazon DynamoDB Local as its own main class does, but listening on one address (by
// default 127.0.0.1) instead of every interface: the jar has no option for the address.
// emulator/dynamodb-local.ts compiles it once with the JDK compiler module (through `java` itself)
// into cdk.out/dynamodb-local-launcher/ and runs it with the jar on the class path: no build step,
// no class file to ship. It takes DynamoDB Local's own command-line arguments and, unlike the jar's main class, never
// sets up DynamoDB Local's telemetry.
//
// With a data directory it also puts DynamoDB Local's SQLite file in write-ahead-log mode before
// the server opens it (see useWriteAheadLog).

import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteStatement;
import java.io.File;
import java.lang.reflect.Field;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteLibraryLoader;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDbLocalOnLoopback {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    String dbPath = valueOf(args, "-dbPath");
    if (dbPath != null && has(args, "-sharedDb")) {
      useWriteAheadLog(new File(dbPath, "shared-local-instance.db"));
    }
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

  /**
   * DynamoDB Local leaves SQLite in its default rollback-journal mode, where every commit
   * creates, syncs and deletes a journal file besides syncing the database: measured here, two
   * conditional writes in a row took 40-46 ms on disk against 16-20 ms in WAL mode. In WAL mode a
   * commit appends to one log and syncs it once; with SQLite's default synchronous=FULL, which
   * DynamoDB Local keeps, a committed write still survives a crash or a power loss. The mode is
   * kept in the file itself, so it is set once, before the server opens the file (a missing file
   * is created empty; DynamoDB Local creates its tables in it as it does in a new one).
   */
  static void useWriteAheadLog(File database) throws Exception {
    // SQLite's native library as DynamoDB Local loads it (its own copy, extracted from its jar):
    // a second copy loaded first, from java.library.path, crashes the JVM when the server loads
    // its own.
    SQLiteLibraryLoader.initialize();
    Logger.getLogger("com.almworks.sqlite4java").setLevel(Level.WARNING);
    SQLiteConnection connection = new SQLiteConnection(database);
    try {
      connection.open(true);
      SQLiteStatement statement = connection.prepare("PRAGMA journal_mode=WAL");
      try {
        statement.step();
        String mode = statement.columnString(0);
        if (!"wal".equalsIgnoreCase(mode)) {
          System.err.println("DynamoDB Local's data file stays in journal mode " + mode + ": " + database);
        }
      } finally {
        statement.dispose();
      }
    } finally {
      connection.dispose();
    }
  }

  static String valueOf(String[] args, String name) {
    for (int i = 0; i + 1 < args.length; i++) if (args[i].equalsIgnoreCase(name)) return args[i + 1];
    return null;
  }

  static boolean has(String[] args, String name) {
    for (String arg : args) if (arg.equalsIgnoreCase(name)) return true;
    return false;
  }
}
