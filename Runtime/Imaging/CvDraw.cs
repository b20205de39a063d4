using System;
using System.Collections.Generic;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// The OpenCV 4.x drawing primitives InstantID's draw_kps uses, re-implemented for pixel parity:
    /// ellipse2Poly, fillConvexPoly (LINE_8, shift 0), filled circle (LINE_8) and the Bresenham line iterator.
    /// Pixels are written through a callback so the caller chooses the buffer type (draw_kps fills polygons in
    /// a float64 image, then circles in uint8).
    /// </summary>
    internal static class CvDraw
    {
        const int XyShift = 16;
        const long XyOne = 1L << XyShift;

        /// <summary>Writes the inclusive span [x1, x2] of row y (already clipped).</summary>
        internal delegate void HLine(int y, int x1, int x2);

        // OpenCV's SinTable holds sin(i°) printed with 7 decimals, i = 0..450 (cos(i°) = SinTable[450 − i]).
        static readonly float[] SinTable = BuildSinTable();

        static float[] BuildSinTable()
        {
            var t = new float[451];
            for (int i = 0; i <= 450; i++) t[i] = (float)Math.Round(Math.Sin(i * Math.PI / 180.0), 7, MidpointRounding.AwayFromZero);
            return t;
        }

        /// <summary>cv::ellipse2Poly with integer centre/axes (points rounded half-to-even, consecutive duplicates dropped).</summary>
        public static List<(int X, int Y)> Ellipse2Poly(int cx, int cy, int axisW, int axisH, int angle, int arcStart, int arcEnd, int delta)
        {
            while (angle < 0) angle += 360;
            while (angle > 360) angle -= 360;
            if (arcStart > arcEnd) { int t = arcStart; arcStart = arcEnd; arcEnd = t; }
            while (arcStart < 0) { arcStart += 360; arcEnd += 360; }
            while (arcEnd > 360) { arcEnd -= 360; arcStart -= 360; }
            if (arcEnd - arcStart > 360) { arcStart = 0; arcEnd = 360; }
            float alpha = SinTable[450 - angle], beta = SinTable[angle]; // cos, sin
            var pts = new List<(int, int)>();
            (int, int) prev = (int.MinValue, int.MinValue);
            int count = 0;
            for (int i = arcStart; i < arcEnd + delta; i += delta)
            {
                int a = i;
                if (a > arcEnd) a = arcEnd;
                if (a < 0) a += 360;
                double x = axisW * (double)SinTable[450 - a];
                double y = axisH * (double)SinTable[a];
                double px = cx + x * alpha - y * beta;
                double py = cy + x * beta + y * alpha;
                count++;
                var pt = ((int)Math.Round(px, MidpointRounding.ToEven), (int)Math.Round(py, MidpointRounding.ToEven));
                if (pt != prev) { pts.Add(pt); prev = pt; }
            }
            if (count == 1 || pts.Count == 1) { pts.Clear(); pts.Add((cx, cy)); pts.Add((cx, cy)); }
            return pts;
        }

        /// <summary>cv::fillConvexPoly for LINE_8 and shift 0: outline lines, then scanline fill.</summary>
        public static void FillConvexPoly(IReadOnlyList<(int X, int Y)> v, int width, int height, HLine put)
        {
            int npts = v.Count;
            if (npts == 0) return;
            long delta1 = XyOne >> 1, delta2 = XyOne >> 1;
            long xmin = v[0].X, xmax = v[0].X, ymin = v[0].Y, ymax = v[0].Y;
            int imin = 0;
            var p0 = v[npts - 1];
            for (int i = 0; i < npts; i++)
            {
                var p = v[i];
                if (p.Y < ymin) { ymin = p.Y; imin = i; }
                ymax = Math.Max(ymax, p.Y);
                xmax = Math.Max(xmax, p.X);
                xmin = Math.Min(xmin, p.X);
                Line(p0.X, p0.Y, p.X, p.Y, width, height, (x, y) => put(y, x, x));
                p0 = p;
            }
            if (npts < 3 || xmax < 0 || ymax < 0 || xmin >= width || ymin >= height) return;
            ymax = Math.Min(ymax, height - 1);

            var eIdx = new int[2]; var eDi = new int[2]; var eX = new long[2]; var eDx = new long[2]; var eYe = new int[2];
            eIdx[0] = eIdx[1] = imin;
            int y0 = (int)ymin;
            eYe[0] = eYe[1] = y0;
            eDi[0] = 1; eDi[1] = npts - 1;
            eX[0] = eX[1] = -XyOne;
            int edges = npts;
            int yy = y0;
            do
            {
                for (int i = 0; i < 2; i++)
                {
                    if (yy >= eYe[i])
                    {
                        int idx0 = eIdx[i], di = eDi[i];
                        int idx = idx0 + di;
                        if (idx >= npts) idx -= npts;
                        for (; edges-- > 0;)
                        {
                            int ty = v[idx].Y;
                            if (ty > yy)
                            {
                                long xs = (long)v[idx0].X << XyShift;
                                long xe = (long)v[idx].X << XyShift;
                                eYe[i] = ty;
                                eDx[i] = ((xe - xs) * 2 + ((long)ty - yy)) / (2 * ((long)ty - yy));
                                eX[i] = xs;
                                eIdx[i] = idx;
                                break;
                            }
                            idx0 = idx;
                            idx += di;
                            if (idx >= npts) idx -= npts;
                        }
                    }
                }
                if (edges < 0) break;
                if (yy >= 0)
                {
                    int left = 0, right = 1;
                    if (eX[0] > eX[1]) { left = 1; right = 0; }
                    int xx1 = (int)((eX[left] + delta1) >> XyShift);
                    int xx2 = (int)((eX[right] + delta2) >> XyShift);
                    if (xx2 >= 0 && xx1 < width)
                    {
                        if (xx1 < 0) xx1 = 0;
                        if (xx2 >= width) xx2 = width - 1;
                        if (xx2 >= xx1) put(yy, xx1, xx2);
                    }
                }
                eX[0] += eDx[0];
                eX[1] += eDx[1];
            }
            while (++yy <= (int)ymax);
        }

        /// <summary>cv::circle filled, LINE_8, shift 0 (OpenCV's integer midpoint circle, rows filled as spans).</summary>
        public static void FillCircle(int cx, int cy, int radius, int width, int height, HLine put)
        {
            int err = 0, dx = radius, dy = 0, plus = 1, minus = (radius << 1) - 1;
            bool inside = cx >= radius && cx < width - radius && cy >= radius && cy < height - radius;
            while (dx >= dy)
            {
                int y11 = cy - dy, y12 = cy + dy, y21 = cy - dx, y22 = cy + dx;
                int x11 = cx - dx, x12 = cx + dx, x21 = cx - dy, x22 = cx + dy;
                if (inside)
                {
                    put(y11, x11, x12); put(y12, x11, x12);
                    put(y21, x21, x22); put(y22, x21, x22);
                }
                else if (x11 < width && x12 >= 0 && y21 < height && y22 >= 0)
                {
                    x11 = Math.Max(x11, 0); x12 = Math.Min(x12, width - 1);
                    if ((uint)y11 < (uint)height) put(y11, x11, x12);
                    if ((uint)y12 < (uint)height) put(y12, x11, x12);
                    if (x21 < width && x22 >= 0)
                    {
                        x21 = Math.Max(x21, 0); x22 = Math.Min(x22, width - 1);
                        if ((uint)y21 < (uint)height) put(y21, x21, x22);
                        if ((uint)y22 < (uint)height) put(y22, x21, x22);
                    }
                }
                dy++;
                err += plus;
                plus += 2;
                int mask = (err <= 0 ? 1 : 0) - 1;
                err -= minus & mask;
                dx += mask;
                minus -= mask & 2;
            }
        }

        /// <summary>cv::LineIterator (8-connected, left to right) after cv::clipLine; calls plot for each pixel.</summary>
        public static void Line(int x1, int y1, int x2, int y2, int width, int height, Action<int, int> plot)
        {
            long lx1 = x1, ly1 = y1, lx2 = x2, ly2 = y2;
            if ((uint)x1 >= (uint)width || (uint)x2 >= (uint)width || (uint)y1 >= (uint)height || (uint)y2 >= (uint)height)
            {
                if (!ClipLine(width, height, ref lx1, ref ly1, ref lx2, ref ly2)) return;
            }
            int ax = (int)lx1, ay = (int)ly1, bx = (int)lx2, by = (int)ly2;
            int dx = bx - ax, dy = by - ay;
            if (dx < 0) { dx = -dx; dy = -dy; (ax, bx) = (bx, ax); (ay, by) = (by, ay); }
            int sxStep = 1, syStep = 1;
            if (dy < 0) { dy = -dy; syStep = -1; }
            bool vert = dy > dx;
            if (vert) { (dx, dy) = (dy, dx); }
            int err = dx - (dy + dy);
            int plusDelta = dx + dx, minusDelta = -(dy + dy);
            int count = dx + 1;
            int px = ax, py = ay;
            for (int i = 0; i < count; i++)
            {
                plot(px, py);
                bool minor = err < 0;
                err += minusDelta + (minor ? plusDelta : 0);
                if (vert) { py += syStep; if (minor) px += sxStep; }
                else { px += sxStep; if (minor) py += syStep; }
            }
        }

        static bool ClipLine(long w, long h, ref long x1, ref long y1, ref long x2, ref long y2)
        {
            long right = w - 1, bottom = h - 1;
            if (w <= 0 || h <= 0) return false;
            int c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0) + (y1 < 0 ? 4 : 0) + (y1 > bottom ? 8 : 0);
            int c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0) + (y2 < 0 ? 4 : 0) + (y2 > bottom ? 8 : 0);
            if ((c1 & c2) == 0 && (c1 | c2) != 0)
            {
                long a;
                if ((c1 & 12) != 0)
                {
                    a = c1 < 8 ? 0 : bottom;
                    x1 += (long)((double)(a - y1) * (x2 - x1) / (y2 - y1));
                    y1 = a;
                    c1 = (x1 < 0 ? 1 : 0) + (x1 > right ? 2 : 0);
                }
                if ((c2 & 12) != 0)
                {
                    a = c2 < 8 ? 0 : bottom;
                    x2 += (long)((double)(a - y2) * (x2 - x1) / (y2 - y1));
                    y2 = a;
                    c2 = (x2 < 0 ? 1 : 0) + (x2 > right ? 2 : 0);
                }
                if ((c1 & c2) == 0 && (c1 | c2) != 0)
                {
                    if (c1 != 0)
                    {
                        a = c1 == 1 ? 0 : right;
                        y1 += (long)((double)(a - x1) * (y2 - y1) / (x2 - x1));
                        x1 = a;
                        c1 = 0;
                    }
                    if (c2 != 0)
                    {
                        a = c2 == 1 ? 0 : right;
                        y2 += (long)((double)(a - x2) * (y2 - y1) / (x2 - x1));
                        x2 = a;
                        c2 = 0;
                    }
                }
            }
            return (c1 | c2) == 0;
        }
    }
}
