package pooltag.cli.http;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 answer as the bytes on the wire say it: status line, headers (lower-case names, Date dropped as it
 * differs between any two answers; a repeated header fails) and body (ISO-8859-1, so its length is its bytes').
 */
public record RawAnswer(String status, Map<String, String> headers, String body) {
    /** Sends {@code request} as written on its own connection and reads the answer to EOF. */
    public static RawAnswer ask(int port, String request) throws IOException {
        return parse(wire(port, request));
    }

    /**
     * Sends {@code request} as written on its own connection and returns what came back until EOF, unparsed
     * (ISO-8859-1: a character per byte): for answers {@link #parse} would refuse.
     */
    public static String wire(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A GET-like request (no body) for {@code method} and {@code path}, {@code extra} header lines, then close. */
    public static RawAnswer ask(int port, String method, String path, String... extra) throws IOException {
        StringBuilder r = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : extra) {
            r.append(h).append("\r\n");
        }
        return ask(port, r.append("Connection: close\r\n\r\n").toString());
    }

    /**
     * Sends {@code requests} on one connection, each after the answer to the one before, and returns the answers
     * read: fewer than the requests when the server closed the connection (an answer saying {@code Connection: close}
     * is the last read). Answers are framed by their Content-Length (none: no body).
     */
    public static List<RawAnswer> askInTurn(int port, String... requests) throws IOException {
        List<RawAnswer> answers = new ArrayList<>();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (String request : requests) {
                try {
                    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                } catch (SocketException e) {
                    break; // closed (and reset) by the server
                }
                RawAnswer a = readOne(in, request.startsWith("HEAD "));
                if (a == null) {
                    break;
                }
                answers.add(a);
                if ("close".equalsIgnoreCase(a.headers().get("connection"))) {
                    break;
                }
            }
        }
        return answers;
    }

    /** One answer off {@code in} (to a HEAD: no body whatever its length), or null at EOF or a reset before it. */
    private static RawAnswer readOne(InputStream in, boolean head) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0) {
                header.write(b);
                if (header.size() >= 4 && header.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    break;
                }
            }
        } catch (SocketException e) {
            return null; // reset before the answer
        }
        if (header.size() == 0) {
            return null;
        }
        RawAnswer headers = parse(header.toString(StandardCharsets.ISO_8859_1));
        int length = head ? 0 : Integer.parseInt(headers.headers().getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new RawAnswer(headers.status(), headers.headers(), new String(body, StandardCharsets.ISO_8859_1));
    }

    static RawAnswer parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        assertTrue(end > 0, raw);
        String[] head = raw.substring(0, end).split("\r\n");
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < head.length; i++) {
            int c = head[i].indexOf(':');
            String name = head[i].substring(0, c).strip().toLowerCase(Locale.ROOT);
            assertNull(headers.put(name, head[i].substring(c + 1).strip()), "twice: " + name + " in " + raw);
        }
        headers.remove("date");
        return new RawAnswer(head[0], headers, raw.substring(end + 4));
    }
}
