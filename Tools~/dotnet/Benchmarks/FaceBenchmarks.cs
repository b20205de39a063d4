using System.Collections.Generic;
using System.IO;
using System.Numerics;
using BenchmarkDotNet.Attributes;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Benchmarks
{
    /// <summary>
    /// CPU cost of the face stage's own code (no model time): SCRFD letterbox + blob of a 1280×720 photo, decode +
    /// NMS of the reference raw outputs, ArcFace alignment + 112² crop, and a 1024² landmark map.
    /// </summary>
    [MemoryDiagnoser]
    public class FaceBenchmarks
    {
        RgbBuffer _photo = null!;
        RgbBuffer _synthetic = null!;
        List<float[]> _raw = null!;
        Vector2[] _kps = null!;

        [GlobalSetup]
        public void Setup()
        {
            using (var photo = Image.Load<Rgb24>(BenchmarkData.Path("Reference/scrfd/input_1280x720.png"))) _photo = RgbBuffer.From(photo);
            using (var synthetic = Image.Load<Rgb24>(BenchmarkData.Path("Reference/face_align/synthetic_640x480.png"))) _synthetic = RgbBuffer.From(synthetic);
            _raw = new List<float[]>();
            foreach (var kind in new[] { "score", "bbox", "kps" })
                foreach (var s in new[] { 8, 16, 32 })
                    _raw.Add(LoadNpy(BenchmarkData.Path($"Reference/scrfd/raw_{kind}_{s}.npy")));
            _kps = new[] { new Vector2(290.3f, 200.7f), new Vector2(350.1f, 199.2f), new Vector2(320.6f, 235.4f), new Vector2(296.9f, 270.8f), new Vector2(345.2f, 269.9f) };
        }

        [Benchmark]
        public float[] LetterboxAndBlob_1280x720()
        {
            var det = ScrfdDetector.Letterbox(_photo, 640, 640, out _);
            return TensorBlob.FromBuffer(det, 127.5f, 1f / 128f);
        }

        [Benchmark]
        public int DecodeAndNms_ReferenceOutputs() => ScrfdDetector.Decode(_raw, 640, 640, 0.5f, 0.5f, 0.4f).Count;

        [Benchmark]
        public int AlignAndCrop_112() => ArcFaceAligner.NormCrop(_synthetic, _kps).Width;

        [Benchmark]
        public byte[] LandmarkMap_1024() => LandmarkMapRenderer.RenderRgb(
            new[] { new Vector2(409.6f, 430.08f), new Vector2(614.4f, 430.08f), new Vector2(512f, 542.72f), new Vector2(430.08f, 655.36f), new Vector2(593.92f, 655.36f) },
            1024, 1024);

        // Minimal .npy reader (float32, C order) for the fixtures.
        static float[] LoadNpy(string path)
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            reader.ReadBytes(8);
            int headerLength = reader.ReadUInt16();
            reader.ReadBytes(headerLength);
            var bytes = reader.ReadBytes((int)(reader.BaseStream.Length - reader.BaseStream.Position));
            var data = new float[bytes.Length / 4];
            System.Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
            return data;
        }
    }
}
