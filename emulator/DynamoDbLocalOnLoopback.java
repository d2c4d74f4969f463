// Starts Amazon DynamoDB Local as its own main class does, but listening on one address (by
// default 127.0.0.1) instead of every interface: the jar has no option for the address.
// emulator/dynamodb-local.ts compiles it once with the JDK compiler module (through `java` itself)
// into cdk.out/dynamodb-local-launcher/ and runs it with the jar on the class path: no build step,
// no class file to ship. It takes DynamoDB Local's own command-line arguments and, unlike the jar's main class, never
// sets up DynamoDB Local's telemetry.
//
// With a data directory it also puts DynamoDB Local's SQLite file in write-ahead-log mode before
// the server opens it (see useWriteAheadLog).
//
// Run as `DynamoDbLocalOnLoopback --package <DynamoDBLocal.jar> <out.jar>` it writes one jar with
// DynamoDB Local's classes and its own, whose manifest has no Class-Path (see packageJar).

import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteStatement;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.CRC32;
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
    if (args.length == 3 && args[0].equals("--package")) {
      packageJar(new File(args[1]), new File(args[2]));
      return;
    }
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

  /**
   * Java's class-data sharing (an archive of the classes a JVM loaded, mapped by the next start
   * instead of loading and verifying them again) refuses a class path with a non-empty folder on
   * it, and DynamoDBLocal.jar's manifest puts its own folder (`.`) there. This writes its classes
   * and resources, with this launcher's classes, into one jar whose manifest has no Class-Path;
   * the emulator lists copies of DynamoDB Local's library jars on the class path itself.
   */
  static void packageJar(File source, File target) throws Exception {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (JarInputStream in = new JarInputStream(new FileInputStream(source));
        JarOutputStream out = new JarOutputStream(new FileOutputStream(target), manifest)) {
      for (JarEntry entry = in.getNextJarEntry(); entry != null; entry = in.getNextJarEntry()) {
        String name = entry.getName();
        if (name.startsWith("META-INF/") && (name.endsWith(".SF") || name.endsWith(".RSA") || name.endsWith(".DSA"))) {
          continue;
        }
        stored(out, name, in.readAllBytes());
      }
      Path classes = Path.of(DynamoDbLocalOnLoopback.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      try (var files = Files.list(classes)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          String name = file.getFileName().toString();
          if (!name.startsWith("DynamoDbLocalOnLoopback") || !name.endsWith(".class")) continue;
          stored(out, name, Files.readAllBytes(file));
        }
      }
    }
  }

  /** Uncompressed: quicker to write once and to read at every start than deflated again. */
  static void stored(JarOutputStream out, String name, byte[] bytes) throws Exception {
    JarEntry entry = new JarEntry(name);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    entry.setMethod(JarEntry.STORED);
    entry.setSize(bytes.length);
    entry.setCompressedSize(bytes.length);
    entry.setCrc(crc.getValue());
    out.putNextEntry(entry);
    out.write(bytes);
    out.closeEntry();
  }
}
