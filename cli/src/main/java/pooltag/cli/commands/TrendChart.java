package pooltag.cli.commands;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import pooltag.core.error.IoReasons;
import pooltag.core.error.PooltagException;

/**
 * A line chart of the top tags' bytes over a snapshot series, written as SVG (text, no dependency) or PNG (Java2D,
 * headless). One layout drives both: {@link #draw} speaks to a {@link Painter}, each format implements it.
 */
final class TrendChart {
    /** One line of the chart: a tag's bytes at each x. */
    record Series(String label, double[] y) {
    }

    private static final int WIDTH = 820;
    private static final int HEIGHT = 440;
    private static final int LEFT = 90;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final int TICKS = 5;
    /** Colour-blind-safe (Okabe-Ito), distinct in print. */
    private static final String[] COLORS = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};

    private final String title;
    private final String xLabel;
    private final double[] x;
    private final List<Series> series;

    TrendChart(String title, String xLabel, double[] x, List<Series> series) {
        this.title = title;
        this.xLabel = xLabel;
        this.x = x.clone();
        this.series = List.copyOf(series);
    }

    /** The chart's format, from the file name: .svg or .png, anything else a user error (said before any work). */
    static boolean isPng(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return true;
        }
        if (name.endsWith(".svg")) {
            return false;
        }
        throw new PooltagException(file + ": --chart writes .svg or .png; name the file so");
    }

    /**
     * The chart file's bytes, SVG or PNG as {@code file} is named: drawn in memory, so that writing them is one
     * system call whose failure has the system's reason. (ImageIO writing to a file printed the JDK's stack trace of
     * its FileNotFoundException itself and then failed with "Can't create an ImageOutputStream!", no reason.)
     */
    byte[] render(Path file) {
        if (!isPng(file)) {
            SvgPainter p = new SvgPainter();
            draw(p);
            return p.finish().getBytes(StandardCharsets.UTF_8);
        }
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(new Java2dPainter(g));
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream(64 * 1024);
        try {
            ImageIO.setUseCache(false); // in memory: no cache file in java.io.tmpdir
            if (!ImageIO.write(img, "png", png)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return png.toByteArray();
    }

    /** @throws PooltagException one line naming the file and the system's reason */
    static void writeBytes(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new PooltagException(file + ": cannot write the chart: " + IoReasons.of(e), e);
        }
    }

    interface Painter {
        void rect(double x, double y, double w, double h, String fill);

        void line(double x1, double y1, double x2, double y2, String color, double width);

        void polyline(double[] xs, double[] ys, String color);

        /** @param anchor "start", "middle" or "end", as SVG's text-anchor */
        void text(double x, double y, String s, String anchor, int size);
    }

    void draw(Painter p) {
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        double xMin = x[0];
        double xMax = x[x.length - 1];
        double yMax = 0;
        for (Series s : series) {
            for (double v : s.y()) {
                yMax = Math.max(yMax, v);
            }
        }
        // Round the axis in the unit it is labelled in (200 KiB, not 195.3 KiB).
        double unit = unitOf(yMax);
        yMax = niceCeiling(yMax / unit) * unit;
        double xSpan = xMax > xMin ? xMax - xMin : 1;
        p.rect(0, 0, WIDTH, HEIGHT, "#ffffff");
        p.text(WIDTH / 2.0, 22, title, "middle", 15);
        p.line(LEFT, TOP, LEFT, TOP + plotH, "#000000", 1);
        p.line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#000000", 1);
        for (int i = 0; i <= TICKS; i++) {
            double v = yMax * i / TICKS;
            double py = TOP + plotH - plotH * i / TICKS;
            p.line(LEFT - 4, py, LEFT + plotW, py, i == 0 ? "#000000" : "#dddddd", 1);
            p.text(LEFT - 8, py + 4, bytes(v, unit), "end", 11);
            double xv = xMin + xSpan * i / TICKS;
            double px = LEFT + plotW * i / TICKS;
            p.line(px, TOP + plotH, px, TOP + plotH + 4, "#000000", 1);
            p.text(px, TOP + plotH + 18, trim(xv), "middle", 11);
        }
        p.text(LEFT + plotW / 2, HEIGHT - 12, xLabel, "middle", 12);
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String color = COLORS[k % COLORS.length];
            double[] xs = new double[x.length];
            double[] ys = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                xs[i] = LEFT + plotW * (x[i] - xMin) / xSpan;
                ys[i] = TOP + plotH - (yMax == 0 ? 0 : plotH * s.y()[i] / yMax);
            }
            p.polyline(xs, ys, color);
            double ly = TOP + 10 + 20 * k;
            p.line(WIDTH - RIGHT + 16, ly - 4, WIDTH - RIGHT + 40, ly - 4, color, 3);
            p.text(WIDTH - RIGHT + 46, ly, s.label(), "start", 12);
        }
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above v: round axis ticks. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[]{1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** The binary unit a byte count is best read in: 1, 1 KiB, 1 MiB or 1 GiB. */
    static double unitOf(double v) {
        double u = 1;
        while (v >= 1024 * u && u < (1L << 30)) {
            u *= 1024;
        }
        return u;
    }

    /** {@code v} bytes in {@code unit} (from {@link #unitOf}), so every tick of an axis reads in one unit. */
    static String bytes(double v, double unit) {
        String name = unit >= 1 << 30 ? " GiB" : unit >= 1 << 20 ? " MiB" : unit >= 1 << 10 ? " KiB" : " B";
        return trim(v / unit) + name;
    }

    static String trim(double v) {
        if (v == Math.rint(v)) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static final class SvgPainter implements Painter {
        private final StringBuilder sb = new StringBuilder();

        SvgPainter() {
            sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                    .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                    .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                    .append("\" font-family=\"sans-serif\">\n");
        }

        @Override
        public void rect(double x, double y, double w, double h, String fill) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n",
                    x, y, w, h, fill));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color, double width) {
            sb.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
                    x1, y1, x2, y2, color, width));
        }

        @Override
        public void polyline(double[] xs, double[] ys, String color) {
            sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\" points=\"");
            for (int i = 0; i < xs.length; i++) {
                sb.append(String.format(Locale.ROOT, "%s%.1f,%.1f", i == 0 ? "" : " ", xs[i], ys[i]));
            }
            sb.append("\"/>\n");
        }

        @Override
        public void text(double x, double y, String s, String anchor, int size) {
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n",
                    x, y, size, anchor, escape(s)));
        }

        String finish() {
            return sb.append("</svg>\n").toString();
        }

        static String escape(String s) {
            StringBuilder e = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '<' -> e.append("&lt;");
                    case '>' -> e.append("&gt;");
                    case '&' -> e.append("&amp;");
                    case '"' -> e.append("&quot;");
                    default -> e.append(c < 0x20 ? ' ' : c);
                }
            }
            return e.toString();
        }
    }

    private static final class Java2dPainter implements Painter {
        private final Graphics2D g;

        Java2dPainter(Graphics2D g) {
            this.g = g;
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        }

        @Override
        public void rect(double x, double y, double w, double h, String fill) {
            g.setColor(Color.decode(fill));
            g.fillRect((int) x, (int) y, (int) w, (int) h);
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color, double width) {
            g.setColor(Color.decode(color));
            g.setStroke(new BasicStroke((float) width));
            g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void polyline(double[] xs, double[] ys, String color) {
            Path2D.Double path = new Path2D.Double();
            path.moveTo(xs[0], ys[0]);
            for (int i = 1; i < xs.length; i++) {
                path.lineTo(xs[i], ys[i]);
            }
            g.setColor(Color.decode(color));
            g.setStroke(new BasicStroke(2f));
            g.draw(path);
        }

        @Override
        public void text(double x, double y, String s, String anchor, int size) {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            int w = g.getFontMetrics().stringWidth(s);
            double at = switch (anchor) {
                case "middle" -> x - w / 2.0;
                case "end" -> x - w;
                default -> x;
            };
            g.drawString(s, (float) at, (float) y);
        }
    }
}
