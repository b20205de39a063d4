using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Imaging;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>
    /// Hostile and odd photos through <see cref="ImageLoader"/> and <see cref="FaceAnalyzer"/> (tiny model set's
    /// hand-set detector): the only things that may come out are an image, a face analysis, or a typed
    /// <see cref="InstantIdException"/>. Fixtures are made here from small ImageSharp encodings.
    /// </summary>
    public sealed class ImageInputTests
    {
        InferenceSession? _detector, _recognizer;
        FaceAnalyzer _analyzer = null!;
        string _dir = "";

        [OneTimeSetUp]
        public void Open()
        {
            _detector = new InferenceSession(TestData.Path("TinyModelSet/face/detector.onnx"));
            _recognizer = new InferenceSession(TestData.Path("TinyModelSet/face/recognizer.onnx"));
            _analyzer = new FaceAnalyzer(_detector, _recognizer);
        }

        [OneTimeTearDown]
        public void Close()
        {
            _detector?.Dispose();
            _recognizer?.Dispose();
        }

        [SetUp] public void MakeFolder() => _dir = TestData.NewTempFolder();
        [TearDown] public void DeleteFolder() => Directory.Delete(_dir, true);

        internal static readonly (string Ext, IImageEncoder Encoder)[] Formats =
        {
            ("png", new PngEncoder()),
            ("jpg", new JpegEncoder { Quality = 90 }),
            ("bmp", new BmpEncoder()),
            ("gif", new GifEncoder()),
            ("webp", new WebpEncoder()),
            ("tif", new TiffEncoder()),
            ("tga", new TgaEncoder()),
        };

        /// <summary>A 48×40 crop around the astronaut's face: small enough to decode hundreds of times.</summary>
        internal static Image<Rgb24> SmallPhoto()
        {
            var image = Image.Load<Rgb24>(TestData.AstronautPhoto);
            image.Mutate(c => c.Crop(new Rectangle(150, 40, 160, 160)).Resize(48, 40));
            return image;
        }

        internal static byte[] Encode<T>(Image<T> image, IImageEncoder encoder) where T : unmanaged, IPixel<T>
        {
            using var ms = new MemoryStream();
            image.Save(ms, encoder);
            return ms.ToArray();
        }

        /// <summary>Runs the loader; returns "ok WxH" or "unsupported", fails on any other exception.</summary>
        static string Outcome(byte[] bytes, string what)
        {
            try
            {
                using var image = ImageLoader.Load(bytes);
                return $"ok {image.Width}x{image.Height}";
            }
            catch (UnsupportedImageException e)
            {
                Assert.That(e.Message, Does.Contain("image").IgnoreCase, what);
                return "unsupported";
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name} escaped the loader: {e.Message}");
                return "";
            }
        }

        // ---- corrupt / truncated / empty / wrong extension -------------------------------------------------

        [Test]
        public void TruncatedFiles_OfEveryFormat_AreUnsupportedImageOrStillDecode()
        {
            using var photo = SmallPhoto();
            foreach (var (ext, encoder) in Formats)
            {
                var full = Encode(photo, encoder);
                foreach (var length in new[] { 1, 2, 4, 8, 12, 16, 24, 32, 64, full.Length / 4, full.Length / 2, full.Length - 1 })
                {
                    if (length <= 0 || length >= full.Length) continue;
                    var outcome = Outcome(full.Take(length).ToArray(), $"{ext} cut to {length}/{full.Length} bytes");
                    // A header cut short can never be an image.
                    if (length <= 8) Assert.That(outcome, Is.EqualTo("unsupported"), $"{ext} cut to {length} bytes");
                }
            }
        }

        [Test]
        public void CorruptedBodies_OfEveryFormat_AreUnsupportedImageOrStillDecode()
        {
            using var photo = SmallPhoto();
            foreach (var (ext, encoder) in Formats)
            {
                var full = Encode(photo, encoder);
                // Overwrite the second half with a repeating garbage pattern, then with zeros, then with 0xFF.
                foreach (byte fill in new byte[] { 0x00, 0xFF, 0xA5 })
                {
                    var bad = (byte[])full.Clone();
                    for (int i = full.Length / 2; i < full.Length; i++) bad[i] = fill == 0xA5 ? (byte)(i * 131) : fill;
                    Outcome(bad, $"{ext} second half = {fill:X2}");
                }
            }
        }

        [Test]
        public void ZeroByteFiles_WithAnyExtension_SayEmpty()
        {
            foreach (var (ext, _) in Formats)
            {
                var path = Path.Combine(_dir, "empty." + ext);
                File.WriteAllBytes(path, Array.Empty<byte>());
                Assert.That(() => ImageLoader.Load(path), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("empty (0 bytes)"), ext);
            }
        }

        [Test]
        public void WrongExtension_IsIgnored_TheContentDecides()
        {
            using var photo = SmallPhoto();
            var pngAsJpg = Path.Combine(_dir, "really-a-png.jpg");
            File.WriteAllBytes(pngAsJpg, Encode(photo, new PngEncoder()));
            using (var loaded = ImageLoader.Load(pngAsJpg))
                Assert.That(Pixels(loaded), Is.EqualTo(Pixels(photo)), "PNG bytes in a .jpg file decode losslessly");

            var textAsPng = Path.Combine(_dir, "notes.png");
            File.WriteAllText(textAsPng, "not an image at all, just text saved with a .png name\n");
            Assert.That(() => ImageLoader.Load(textAsPng), Throws.TypeOf<UnsupportedImageException>()
                .With.Message.Contains("not in a known image format").And.Message.Contains("notes.png"));
        }

        [Test]
        public void FileLockedByAnotherWriter_IsUnsupportedImage()
        {
            var path = Path.Combine(_dir, "locked.png");
            using (var photo = SmallPhoto()) File.WriteAllBytes(path, Encode(photo, new PngEncoder()));
            // .NET emulates Windows file sharing on Unix with advisory locks; on Windows this is a sharing violation.
            using var writer = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            Assert.That(() => ImageLoader.Load(path), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("cannot be read"));
        }

        [Test]
        public void DirectoryInsteadOfFile_SaysItDoesNotExist()
        {
            Assert.That(() => ImageLoader.Load(_dir), Throws.TypeOf<UnsupportedImageException>().With.Message.Contains("does not exist"));
        }

        // ---- decompression bombs ---------------------------------------------------------------------------

        static byte[] PngHeader(int width, int height)
        {
            var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52 };
            png.AddRange(BigEndian(width));
            png.AddRange(BigEndian(height));
            png.AddRange(new byte[] { 8, 6, 0, 0, 0 }); // 8-bit RGBA, deflate, no filter, no interlace
            uint crc = Crc32(png.ToArray(), 12, 17);
            png.AddRange(BigEndian((int)crc));
            // one IDAT with a tiny deflate stream: the real data would be 40 GB
            var idat = new byte[] { 0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01 };
            png.AddRange(BigEndian(idat.Length));
            var chunk = new List<byte> { 0x49, 0x44, 0x41, 0x54 };
            chunk.AddRange(idat);
            png.AddRange(chunk);
            png.AddRange(BigEndian((int)Crc32(chunk.ToArray(), 0, chunk.Count)));
            return png.ToArray();
        }

        /// <summary>GIF with a 65535×65535 screen (the format's largest) and one image of that size, 1 pixel of data.</summary>
        static byte[] GifHeader(int width, int height)
        {
            var gif = new List<byte>();
            gif.AddRange(System.Text.Encoding.ASCII.GetBytes("GIF89a"));
            gif.AddRange(LittleEndian16(width)); gif.AddRange(LittleEndian16(height));
            gif.AddRange(new byte[] { 0x81, 0, 0 }); // global colour table of 4 colours
            gif.AddRange(new byte[] { 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 255, 0 });
            gif.Add(0x2C); gif.AddRange(LittleEndian16(0)); gif.AddRange(LittleEndian16(0));
            gif.AddRange(LittleEndian16(width)); gif.AddRange(LittleEndian16(height)); gif.Add(0);
            gif.AddRange(new byte[] { 2, 2, 0x4C, 0x01, 0 }); // LZW: clear, index 1, end
            gif.Add(0x3B);
            return gif.ToArray();
        }

        static byte[] JpegHeader(int width, int height)
        {
            // SOI, SOF0 (8-bit, 3 components), EOI: no tables, no scan
            var jpg = new List<byte> { 0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8 };
            jpg.AddRange(new[] { (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width });
            jpg.AddRange(new byte[] { 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9 });
            return jpg.ToArray();
        }

        static byte[] BmpHeader(int width, int height)
        {
            var bmp = new List<byte> { (byte)'B', (byte)'M' };
            bmp.AddRange(LittleEndian32(54 + 4)); bmp.AddRange(LittleEndian32(0)); bmp.AddRange(LittleEndian32(54));
            bmp.AddRange(LittleEndian32(40)); bmp.AddRange(LittleEndian32(width)); bmp.AddRange(LittleEndian32(height));
            bmp.AddRange(new byte[] { 1, 0, 24, 0 }); bmp.AddRange(LittleEndian32(0)); bmp.AddRange(LittleEndian32(0));
            bmp.AddRange(LittleEndian32(2835)); bmp.AddRange(LittleEndian32(2835)); bmp.AddRange(LittleEndian32(0)); bmp.AddRange(LittleEndian32(0));
            bmp.AddRange(new byte[] { 0, 0, 255, 0 });
            return bmp.ToArray();
        }

        /// <summary>
        /// Runs <paramref name="action"/> with ImageSharp allocating plain managed arrays, so that
        /// GC.GetAllocatedBytesForCurrentThread sees every pixel buffer (the default allocator uses native memory).
        /// </summary>
        static long ManagedBytesAllocatedBy(Action action)
        {
            var previous = Configuration.Default.MemoryAllocator;
            Configuration.Default.MemoryAllocator = new SimpleGcMemoryAllocator();
            try
            {
                action(); // warm-up: JIT, static tables, first-use caches
                long before = GC.GetAllocatedBytesForCurrentThread();
                action();
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }
            finally { Configuration.Default.MemoryAllocator = previous; }
        }

        [TestCase("png", 100000, 100000)]
        [TestCase("gif", 65535, 65535)]
        [TestCase("jpg", 65500, 65500)]
        [TestCase("bmp", 100000, 100000)]
        public void DecompressionBomb_IsRefusedFromTheHeader_WithUnder1MiBAllocated(string format, int width, int height)
        {
            var bytes = format switch
            {
                "png" => PngHeader(width, height),
                "gif" => GifHeader(width, height),
                "jpg" => JpegHeader(width, height),
                _ => BmpHeader(width, height),
            };
            Assert.That(bytes.Length, Is.LessThan(200), "the bomb itself is tiny");
            UnsupportedImageException? caught = null;
            long allocated = ManagedBytesAllocatedBy(() =>
            {
                try { ImageLoader.Load(bytes).Dispose(); }
                catch (UnsupportedImageException e) { caught = e; }
            });
            Assert.That(caught, Is.Not.Null, "a " + width + "x" + height + " " + format + " must be refused");
            // BMP headers over 65535 px are refused by ImageSharp's own header check; the others by ImageLoadOptions.MaxPixels.
            Assert.That(caught!.Message, Does.Contain($"{width}x{height}").And.Contain(format == "bmp" ? "corrupt" : "megapixel limit"));
            Assert.That(allocated, Is.LessThan(1 << 20), $"{allocated} bytes allocated while refusing");
        }

        /// <summary>A GIF whose 1024×1024 screen holds <paramref name="frames"/> one-pixel frames (red, then blue).</summary>
        static byte[] ManyFrameGif(int frames)
        {
            var gif = new List<byte>();
            gif.AddRange(System.Text.Encoding.ASCII.GetBytes("GIF89a"));
            gif.AddRange(LittleEndian16(1024)); gif.AddRange(LittleEndian16(1024));
            gif.AddRange(new byte[] { 0x81, 0, 0 });
            gif.AddRange(new byte[] { 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 255, 0 });
            for (int f = 0; f < frames; f++)
            {
                gif.Add(0x2C); gif.AddRange(LittleEndian16(0)); gif.AddRange(LittleEndian16(0));
                gif.AddRange(LittleEndian16(1)); gif.AddRange(LittleEndian16(1)); gif.Add(0);
                // LZW min code size 2: codes clear(4), pixel, end(5) in 3 bits each, LSB first
                gif.AddRange(f == 0 ? new byte[] { 2, 2, 0x4C, 0x01, 0 } : new byte[] { 2, 2, 0x54, 0x01, 0 });
            }
            gif.Add(0x3B);
            return gif.ToArray();
        }

        [Test]
        public void AnimatedGifFrameBomb_DecodesOnlyTheFirstFrame()
        {
            // 200 frames × 4 MiB canvas = 800 MiB if every frame were decoded; the file is 3 KB.
            var bytes = ManyFrameGif(200);
            Assert.That(bytes.Length, Is.LessThan(4000));
            Rgb24 corner = default;
            long allocated = ManagedBytesAllocatedBy(() =>
            {
                using var image = ImageLoader.Load(bytes);
                corner = image[0, 0];
            });
            Assert.That(corner, Is.EqualTo(new Rgb24(255, 0, 0)), "the first frame's pixel");
            Assert.That(allocated, Is.LessThan(48L << 20), $"{allocated >> 20} MiB allocated for one 1024x1024 frame");
        }

        [Test]
        public void AnimatedGif_EncodedByImageSharp_GivesTheFirstFrame()
        {
            using var gif = new Image<Rgba32>(16, 16, new Rgba32(255, 0, 0));
            using (var second = new Image<Rgba32>(16, 16, new Rgba32(0, 0, 255)))
                gif.Frames.AddFrame(second.Frames.RootFrame);
            using (var third = new Image<Rgba32>(16, 16, new Rgba32(0, 255, 0)))
                gif.Frames.AddFrame(third.Frames.RootFrame);
            var bytes = Encode(gif, new GifEncoder());
            using (var check = Image.Load<Rgba32>(bytes)) Assert.That(check.Frames.Count, Is.EqualTo(3), "fixture really is animated");
            using var loaded = ImageLoader.Load(bytes);
            Assert.That(loaded.Size(), Is.EqualTo(new Size(16, 16)));
            Assert.That(loaded[8, 8], Is.EqualTo(new Rgb24(255, 0, 0)));
        }

        // ---- colour models and orientation -------------------------------------------------------------------

        [Test]
        public void CmykJpeg_IsConvertedToRgb()
        {
            // ImageSharp 2.1 cannot write CMYK (it silently writes YCbCr), so this one is a Pillow-made fixture.
            var bytes = File.ReadAllBytes(TestData.Path("Reliability/astronaut_face_cmyk.jpg"));
            int sof = Enumerable.Range(0, bytes.Length - 10).First(i => bytes[i] == 0xFF && bytes[i + 1] == 0xC0);
            Assert.That(bytes[sof + 9], Is.EqualTo(4), "fixture is a 4-component (CMYK) JPEG");
            using var expected = Image.Load<Rgb24>(TestData.Path("Reliability/astronaut_face_rgb.png"));
            using var loaded = ImageLoader.Load(bytes);
            Assert.That(loaded.Size(), Is.EqualTo(expected.Size()));
            Assert.That(MeanAbsDiff(Pixels(loaded), Pixels(expected)), Is.LessThan(6), "CMYK decoded to the right RGB colours");
        }

        [Test]
        public void Grey16BitPngAndPalettePng_AreConvertedToRgb()
        {
            using var grey = new Image<L16>(4, 4, new L16(0x8080));
            using (var loaded = ImageLoader.Load(Encode(grey, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale })))
                Assert.That(loaded[2, 2], Is.EqualTo(new Rgb24(128, 128, 128)));
            using var photo = SmallPhoto();
            using (var loaded = ImageLoader.Load(Encode(photo, new PngEncoder { ColorType = PngColorType.Palette })))
                Assert.That(MeanAbsDiff(Pixels(loaded), Pixels(photo)), Is.LessThan(8));
            using var greyAlpha = new Image<La16>(2, 1, new La16(200, 0));
            using (var loaded = ImageLoader.Load(Encode(greyAlpha, new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha })))
                Assert.That(loaded[1, 0], Is.EqualTo(new Rgb24(0, 0, 0)), "transparent grey goes black");
        }

        // Where the top-left 16×8 (red) block of a 32×16 image ends up for EXIF orientations 1..8.
        [TestCase((ushort)1, 32, 16, 0, 0)]
        [TestCase((ushort)2, 32, 16, 16, 0)]
        [TestCase((ushort)3, 32, 16, 16, 8)]
        [TestCase((ushort)4, 32, 16, 0, 8)]
        [TestCase((ushort)5, 16, 32, 0, 0)]
        [TestCase((ushort)6, 16, 32, 8, 0)]
        [TestCase((ushort)7, 16, 32, 8, 16)]
        [TestCase((ushort)8, 16, 32, 0, 16)]
        public void ExifOrientation_InAJpeg_IsApplied(ushort orientation, int width, int height, int redX, int redY)
        {
            using var img = new Image<Rgb24>(32, 16, new Rgb24(0, 0, 255));
            for (int y = 0; y < 8; y++) for (int x = 0; x < 16; x++) img[x, y] = new Rgb24(255, 0, 0);
            img.Metadata.ExifProfile = new ExifProfile();
            img.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
            using var loaded = ImageLoader.Load(Encode(img, new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 }));
            Assert.That(loaded.Size(), Is.EqualTo(new Size(width, height)));
            int blockW = width / 2, blockH = height / 2;
            var centre = loaded[redX + blockW / 2, redY + blockH / 2];
            Assert.That(centre.R, Is.GreaterThan(200), $"red block at ({redX},{redY})");
            Assert.That(centre.B, Is.LessThan(60));
            int otherX = redX == 0 ? blockW : 0;
            Assert.That(loaded[otherX + blockW / 2, redY + blockH / 2].B, Is.GreaterThan(200), "the block beside it is blue");
        }

        // ---- faces: tiny, empty, many, at the border ---------------------------------------------------------

        [TestCase(1, 1)]
        [TestCase(8, 8)]
        [TestCase(1, 4000)]
        [TestCase(4000, 1)]
        public void TinyOrExtremeImages_LoadAndReportNoFace(int width, int height)
        {
            using var img = new Image<Rgb24>(width, height, new Rgb24(90, 110, 140));
            using var loaded = ImageLoader.Load(Encode(img, new PngEncoder()));
            Assert.That(loaded.Size(), Is.EqualTo(new Size(width, height)));
            var e = Assert.Throws<NoFaceFoundException>(() => _analyzer.Analyze(loaded))!;
            Assert.That(e.Message, Does.Contain($"{width}x{height}").And.Contain("0.5"));
        }

        [TestCase("black")]
        [TestCase("grey")]
        [TestCase("white")]
        [TestCase("noise")]
        public void ImagesWithoutAFace_ThrowNoFaceFound_WithSizeAndThreshold(string kind)
        {
            using var img = new Image<Rgb24>(320, 240);
            var random = new Random(12);
            for (int y = 0; y < 240; y++)
                for (int x = 0; x < 320; x++)
                    img[x, y] = kind switch
                    {
                        "black" => new Rgb24(0, 0, 0),
                        "grey" => new Rgb24(128, 128, 128),
                        "white" => new Rgb24(255, 255, 255),
                        _ => new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)),
                    };
            var e = Assert.Throws<NoFaceFoundException>(() => _analyzer.Analyze(img))!;
            Assert.That(e.ImageWidth, Is.EqualTo(320));
            Assert.That(e.ImageHeight, Is.EqualTo(240));
            Assert.That(e.Threshold, Is.EqualTo(0.5f));
            Assert.That(e.Message, Does.Contain("320x240").And.Contain("threshold 0.5"));
        }

        [Test]
        public void FourAstronauts_FindSeveralFaces_UseTheLargest_AndReportTheCount()
        {
            using var one = Image.Load<Rgb24>(TestData.AstronautPhoto);
            using var tiled = new Image<Rgb24>(1024, 1024);
            // one tile bigger than the others so "largest" is well defined: the bottom-right copy is scaled 1.09×
            tiled.Mutate(c => c
                .DrawImage(one, new Point(0, 0), 1f)
                .DrawImage(one, new Point(512, 0), 1f)
                .DrawImage(one, new Point(0, 512), 1f));
            using var big = one.Clone(c => c.Resize(560, 560));
            tiled.Mutate(c => c.DrawImage(big, new Point(512 - 24, 512 - 24), 1f));
            // The tiny detector finds faces of ~170 px at its input; a 1280 input keeps the tiles' faces that size.
            var analyzer = new FaceAnalyzer(_detector!, _recognizer!, new FaceAnalyzerOptions { Detector = new ScrfdOptions { DetSize = 1280 } });
            var analysis = analyzer.Analyze(tiled);
            TestContext.WriteLine(string.Join("; ", analysis.Faces.Select(f => f.ToString() + " " + f.Box)));
            Assert.That(analysis.Faces.Count, Is.GreaterThanOrEqualTo(2), "several faces found");
            Assert.That(analysis.HasSeveralFaces, Is.True);
            var largestArea = analysis.Faces.Max(f => f.Box.Area);
            Assert.That(analysis.Largest.Box.Area, Is.EqualTo(largestArea));
            Assert.That(analysis.Largest.Embedding, Has.Length.EqualTo(512));
            Assert.That(analysis.Faces.All(f => f.Embedding != null), Is.True, "every face embedded by default");
        }

        [TestCase("left")]
        [TestCase("top")]
        [TestCase("right")]
        public void FaceTouchingTheBorder_IsAnalysedOrReportedAsNoFace_NeverCrashes(string edge)
        {
            using var one = Image.Load<Rgb24>(TestData.AstronautPhoto);
            // the face box is about (156,45)-(292,205): cut through it
            var rect = edge switch
            {
                "left" => new Rectangle(200, 0, 312, 400),
                "top" => new Rectangle(60, 90, 400, 400),
                _ => new Rectangle(0, 0, 250, 400),
            };
            using var crop = one.Clone(c => c.Crop(rect));
            FaceAnalysis? analysis = null;
            try { analysis = _analyzer.Analyze(crop); }
            catch (NoFaceFoundException) { }
            catch (FaceTooSmallException) { }
            if (analysis != null)
            {
                Assert.That(analysis.Largest.Embedding, Has.Length.EqualTo(512));
                Assert.That(analysis.Largest.Embedding!.All(v => !float.IsNaN(v) && !float.IsInfinity(v)), Is.True);
                var b = analysis.Largest.Box;
                Assert.That(b.X1 < 2 || b.Y1 < 2 || b.X2 > crop.Width - 2 || b.Y2 > crop.Height - 2, Is.True, "the box reaches the edge: " + b);
            }
        }

        // ---- fuzzing ------------------------------------------------------------------------------------------

        [Test]
        public void SeededRandomMutations_OnlyEverGiveAnImageOrUnsupportedImage()
        {
            using var photo = SmallPhoto();
            var seeds = Formats.Select(f => (f.Ext, Bytes: Encode(photo, f.Encoder))).ToArray();
            var random = new Random(20261202);
            int decoded = 0, refused = 0;
            long slowest = 0;
            var clock = new Stopwatch();
            for (int n = 0; n < 300; n++)
            {
                var (ext, original) = seeds[n % seeds.Length];
                var bytes = Mutate(original, random);
                clock.Restart();
                var outcome = Outcome(bytes, $"case {n} ({ext})");
                slowest = Math.Max(slowest, clock.ElapsedMilliseconds);
                if (outcome == "unsupported") refused++; else decoded++;
            }
            TestContext.WriteLine($"300 mutated files: {decoded} decoded, {refused} refused, slowest {slowest} ms");
            Assert.That(decoded + refused, Is.EqualTo(300));
            Assert.That(refused, Is.GreaterThan(0));
            Assert.That(slowest, Is.LessThan(5000), "no mutated file makes the decoder hang");
        }

        static byte[] Mutate(byte[] original, Random random)
        {
            var bytes = (byte[])original.Clone();
            switch (random.Next(5))
            {
                case 0: // flip a few random bits
                    for (int k = random.Next(1, 9); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    return bytes;
                case 1: // random bytes in the header area, where sizes and offsets live
                    for (int k = random.Next(1, 5); k > 0; k--) bytes[random.Next(Math.Min(64, bytes.Length))] = (byte)random.Next(256);
                    return bytes;
                case 2: // truncate
                    return bytes.Take(random.Next(1, bytes.Length)).ToArray();
                case 3: // overwrite a run with 0xFF / 0x00 (large lengths and counts)
                {
                    int start = random.Next(bytes.Length), len = random.Next(1, 16);
                    byte v = random.Next(2) == 0 ? (byte)0xFF : (byte)0;
                    for (int i = start; i < Math.Min(bytes.Length, start + len); i++) bytes[i] = v;
                    return bytes;
                }
                default: // duplicate a slice somewhere else
                {
                    int from = random.Next(bytes.Length), len = random.Next(1, Math.Min(256, bytes.Length - from) + 1), at = random.Next(bytes.Length);
                    return bytes.Take(at).Concat(bytes.Skip(from).Take(len)).Concat(bytes.Skip(at)).ToArray();
                }
            }
        }

        // ---- helpers ------------------------------------------------------------------------------------------

        static byte[] Pixels(Image<Rgb24> image)
        {
            var data = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(data);
            return data;
        }

        static double MeanAbsDiff(byte[] a, byte[] b)
        {
            double sum = 0;
            for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
            return sum / a.Length;
        }

        static byte[] BigEndian(int v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };
        static byte[] LittleEndian32(int v) => new[] { (byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24) };
        static byte[] LittleEndian16(int v) => new[] { (byte)v, (byte)(v >> 8) };

        static uint Crc32(byte[] data, int offset, int count)
        {
            uint crc = 0xFFFFFFFF;
            for (int i = offset; i < offset + count; i++)
            {
                crc ^= data[i];
                for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
            return ~crc;
        }
    }
}
