package pooltag.core.rank;

/** Ordinary least-squares line of y over x. */
final class LeastSquares {
    private LeastSquares() {
    }

    /** dy/dx of the best line through the points; 0 with fewer than two distinct x. */
    static double slope(double[] x, double[] y, int n) {
        if (n < 2) {
            return 0;
        }
        double mx = mean(x, n), my = mean(y, n);
        double sxy = 0, sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            sxy += dx * (y[i] - my);
            sxx += dx * dx;
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }

    /**
     * Coefficient of determination of that line, in [0,1]: the share of y's variance it explains. 1 for fewer than
     * three points on a rising line (two points always fit), 0 when y is flat.
     */
    static double r2(double[] x, double[] y, int n) {
        if (n < 2) {
            return n == 1 ? 1 : 0;
        }
        double mx = mean(x, n), my = mean(y, n);
        double b = slope(x, y, n);
        double ssRes = 0, ssTot = 0;
        for (int i = 0; i < n; i++) {
            double fit = my + b * (x[i] - mx);
            ssRes += (y[i] - fit) * (y[i] - fit);
            ssTot += (y[i] - my) * (y[i] - my);
        }
        return ssTot == 0 ? 0 : Math.max(0, 1 - ssRes / ssTot);
    }

    private static double mean(double[] v, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += v[i];
        }
        return s / n;
    }
}
