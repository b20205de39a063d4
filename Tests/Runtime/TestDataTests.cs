using System.IO;
using NUnit.Framework;

namespace InstantIdAvatars.Tests
{
    public sealed class TestDataTests
    {
        [Test]
        public void LoadNpy_ReadsShapeAndValues()
        {
            // x0.npy = RandomState(1234).standard_normal((1,4,8,8)) as float32; first value from numpy.
            var (data, shape) = TestData.LoadNpy(TestData.Path("Reference/schedulers/x0.npy"));
            Assert.That(shape, Is.EqualTo(new[] { 1, 4, 8, 8 }));
            Assert.That(data.Length, Is.EqualTo(256));
            Assert.That(data[0], Is.EqualTo(0.47143516f).Within(1e-7f));
        }

        [Test]
        public void Root_IsTheFixturesFolder() =>
            Assert.That(File.Exists(Path.Combine(TestData.PackageRoot, "package.json")), Is.True);
    }
}
