using System.Linq;
using InstantIdAvatars.Faces;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Tests.Faces
{
    /// <summary>
    /// The face stage on the tiny model set (hand-set SCRFD-layout detector, random ArcFace-shaped recognizer):
    /// checks the ONNX plumbing against the fixture's torch/insightface results, not face quality.
    /// </summary>
    public class FaceModelPlumbingTests
    {
        InferenceSession? _detector, _recognizer;

        [OneTimeSetUp]
        public void Open()
        {
            _detector = new InferenceSession(TestData.Path("TinyModelSet/face/detector.onnx"));
            _recognizer = new InferenceSession(TestData.Path("TinyModelSet/face/recognizer.onnx"));
        }

        [OneTimeTearDown]
        public void Close()
        {
            _detector?.Dispose();
            _recognizer?.Dispose();
        }

        [Test]
        public void Detect_Astronaut_MatchesInsightfaceDetectAt640()
        {
            using var image = Image.Load<Rgb24>(TestData.Path("Faces/astronaut.png"));
            var result = new ScrfdDetector(_detector!).Detect(image);
            Assert.That(result.Count, Is.EqualTo(1));
            Assert.That(result.DetSize, Is.EqualTo(640));
            var f = result.Faces[0];
            // README values are printed with 4 (score) / 2 (pixels) decimals.
            Assert.That(f.Score, Is.EqualTo(0.9986f).Within(1e-4f));
            Assert.That(new[] { f.Box.X1, f.Box.Y1, f.Box.X2, f.Box.Y2 }, Is.EqualTo(new[] { 156.16f, 44.8f, 291.84f, 204.8f }).Within(0.01f));
            var kps = new[] { 202.24f, 102.4f, 245.76f, 102.4f, 224.0f, 125.44f, 204.8f, 142.08f, 243.2f, 142.08f };
            Assert.That(f.Keypoints.SelectMany(p => new[] { p.X, p.Y }).ToArray(), Is.EqualTo(kps).Within(0.01f));
            Assert.That(result.Largest, Is.SameAs(f));
        }

        [Test]
        public void Detect_BlackImage_FindsNothingAfterRetries()
        {
            using var image = new Image<Rgb24>(300, 200);
            var result = new ScrfdDetector(_detector!).Detect(image);
            Assert.That(result.Count, Is.EqualTo(0));
            Assert.That(result.Largest, Is.Null);
            Assert.That(result.DetSize, Is.EqualTo(192), "retried down to the smallest size");
        }

        [Test]
        public void EmbedAligned_MatchesTorchEmbedding()
        {
            using var image = Image.Load<Rgb24>(TestData.Path("Faces/astronaut.png"));
            using var crop = image.Clone(c => c.Crop(new Rectangle(168, 60, 112, 112)));
            var recognizer = new ArcFaceRecognizer(_recognizer!);
            Assert.That(recognizer.InputSize, Is.EqualTo(112));
            Assert.That(recognizer.EmbeddingSize, Is.EqualTo(512));
            var embedding = recognizer.EmbedAligned(crop);
            var (expected, _) = TestData.LoadNpy(TestData.Path("Reference/tiny_set/recognizer_embedding_face.npy"));
            Assert.That(TestData.MaxAbsDiff(embedding, expected), Is.LessThanOrEqualTo(1e-4f));
        }

        [Test]
        public void Analyze_Astronaut_GivesOneFaceWithEmbeddingOfTheAlignedCrop()
        {
            using var image = Image.Load<Rgb24>(TestData.Path("Faces/astronaut.png"));
            var analyzer = new FaceAnalyzer(_detector!, _recognizer!);
            var analysis = analyzer.Analyze(image);
            Assert.That(analysis.Faces.Count, Is.EqualTo(1));
            Assert.That(analysis.HasSeveralFaces, Is.False);
            Assert.That(analysis.Largest.Embedding, Has.Length.EqualTo(512));
            using var crop = ArcFaceAligner.NormCrop(image, analysis.Largest.Keypoints);
            var direct = analyzer.Recognizer.EmbedAligned(crop);
            Assert.That(TestData.MaxAbsDiff(analysis.Largest.Embedding!, direct), Is.EqualTo(0f));
        }

        [Test]
        public void Analyze_BlackImage_ThrowsNoFaceFoundWithSizeAndThreshold()
        {
            using var image = new Image<Rgb24>(256, 256);
            var analyzer = new FaceAnalyzer(_detector!, _recognizer!);
            Assert.That(() => analyzer.Analyze(image), Throws.TypeOf<NoFaceFoundException>()
                .With.Message.Contains("256x256").And.Message.Contains("0.5").And.Message.Contains("closer"));
        }

        [Test]
        public void Analyze_FaceBelowMinimumSize_ThrowsFaceTooSmall()
        {
            using var image = Image.Load<Rgb24>(TestData.Path("Faces/astronaut.png"));
            var analyzer = new FaceAnalyzer(_detector!, _recognizer!, new FaceAnalyzerOptions { MinFaceSize = 200 });
            Assert.That(() => analyzer.Analyze(image), Throws.TypeOf<FaceTooSmallException>()
                .With.Message.Contains("136 px").And.Message.Contains("minimum 200"));
        }

        [Test]
        public void Detector_RejectsRecognizerModel()
        {
            Assert.That(() => new ScrfdDetector(_recognizer!), Throws.TypeOf<FaceModelException>().With.Message.Contains("face/detector.onnx"));
        }
    }
}

namespace InstantIdAvatars.Tests.Faces
{
    public class FixedShapeDetectorTests
    {
        [Test]
        public void Detect_FixedShapeModel_UsesItsOwnSizeAndDoesNotRetry()
        {
            using var fixedSession = new InferenceSession(TestData.Path("FaceModels/detector_fixed_640x480.onnx"));
            using var dynamicSession = new InferenceSession(TestData.Path("TinyModelSet/face/detector.onnx"));
            using var image = Image.Load<Rgb24>(TestData.Path("Faces/astronaut.png"));
            var fixedResult = new ScrfdDetector(fixedSession).Detect(image);
            var dynamicResult = new ScrfdDetector(dynamicSession).Detect(image);
            Assert.That(fixedResult.DetSize, Is.EqualTo(640));
            Assert.That(fixedResult.Count, Is.EqualTo(1));
            Assert.That(IoU(fixedResult.Faces[0].Box, dynamicResult.Faces[0].Box), Is.GreaterThan(0.5f));

            using var black = new Image<Rgb24>(100, 100);
            var none = new ScrfdDetector(fixedSession).Detect(black);
            Assert.That(none.Count, Is.EqualTo(0));
            Assert.That(none.DetSize, Is.EqualTo(640), "a fixed-shape model cannot retry at other sizes");
        }

        static float IoU(FaceBox a, FaceBox b)
        {
            float w = System.Math.Max(0, System.Math.Min(a.X2, b.X2) - System.Math.Max(a.X1, b.X1));
            float h = System.Math.Max(0, System.Math.Min(a.Y2, b.Y2) - System.Math.Max(a.Y1, b.Y1));
            return w * h / (a.Area + b.Area - w * h);
        }
    }
}
