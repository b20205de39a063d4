using InstantIdAvatars.Faces;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Faces
{
    public class IdentityEmbeddingTests
    {
        static readonly float[] A = { 3, 0, 0, 4 };   // norm 5
        static readonly float[] B = { 0, 10, 0, 0 };  // norm 10

        [Test]
        public void Average_IsElementwiseMeanOfRawEmbeddings()
        {
            var r = IdentityEmbedding.Combine(new[] { A, B }, MultiReferenceMode.Average, out int k);
            Assert.That(k, Is.EqualTo(1));
            Assert.That(r, Is.EqualTo(new[] { 1.5f, 5f, 0f, 2f }));
        }

        [Test]
        public void NormAverage_WeighsPhotosEquallyAndKeepsMeanNorm()
        {
            var r = IdentityEmbedding.Combine(new[] { A, B }, MultiReferenceMode.NormAverage, out _);
            // mean of unit vectors (0.3, 0.5, 0, 0.4), norm sqrt(0.5); rescaled to mean norm 7.5.
            double s = 7.5 / System.Math.Sqrt(0.5);
            Assert.That(r, Is.EqualTo(new[] { (float)(0.3 * s), (float)(0.5 * s), 0f, (float)(0.4 * s) }).Within(1e-5f));
            Assert.That(ArcFaceRecognizer.L2Norm(r), Is.EqualTo(7.5).Within(1e-5));
        }

        [Test]
        public void Stacked_KeepsEveryEmbeddingAsAToken()
        {
            var r = IdentityEmbedding.Combine(new[] { A, B }, MultiReferenceMode.Stacked, out int k);
            Assert.That(k, Is.EqualTo(2));
            Assert.That(r, Is.EqualTo(new[] { 3f, 0, 0, 4, 0, 10, 0, 0 }));
        }

        [Test]
        public void SimilarityToMean_SpotsTheOutlier()
        {
            var same1 = new float[] { 1, 0.1f, 0, 0 };
            var same2 = new float[] { 1, -0.1f, 0.05f, 0 };
            var other = new float[] { 0, 0, 0, 1 };
            var sims = IdentityEmbedding.SimilarityToMean(new[] { same1, same2, other });
            Assert.That(sims[0], Is.GreaterThan(0.8f));
            Assert.That(sims[1], Is.GreaterThan(0.8f));
            Assert.That(sims[2], Is.LessThan(0.6f));
        }

        [Test]
        public void Combine_RejectsMismatchedLengths()
        {
            Assert.That(() => IdentityEmbedding.Combine(new[] { A, new float[3] }, MultiReferenceMode.Average, out _),
                Throws.ArgumentException.With.Message.Contains("expected 4"));
        }

        [Test]
        public void CosineAndNormalize_AreTheUsualDefinitions()
        {
            Assert.That(ArcFaceRecognizer.CosineSimilarity(A, A), Is.EqualTo(1f).Within(1e-6f));
            Assert.That(ArcFaceRecognizer.CosineSimilarity(A, B), Is.EqualTo(0f));
            Assert.That(ArcFaceRecognizer.Normalize(A), Is.EqualTo(new[] { 0.6f, 0f, 0f, 0.8f }).Within(1e-6f));
        }
    }
}
