using System.IO;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Pipeline
{
    public sealed class StreamingAssetsLocationTests
    {
        static readonly string StreamingAssets = Path.Combine(Path.GetTempPath(), "Game", "StreamingAssets");

        [Test]
        public void Resolve_RelativePath_IsUnderStreamingAssets()
        {
            Assert.That(StreamingAssetsLocation.Resolve("InstantID/sdxl", StreamingAssets),
                Is.EqualTo(Path.GetFullPath(Path.Combine(StreamingAssets, "InstantID", "sdxl"))));
        }

        [Test]
        public void Resolve_AbsolutePath_IsKept()
        {
            var absolute = Path.Combine(Path.GetTempPath(), "models", "set");
            Assert.That(StreamingAssetsLocation.Resolve("  " + absolute + " ", StreamingAssets), Is.EqualTo(Path.GetFullPath(absolute)));
        }

        [Test]
        public void Resolve_EmptyPath_NamesTheSetting()
        {
            Assert.That(() => StreamingAssetsLocation.Resolve(" ", StreamingAssets, "face photo"),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("No face photo path is set"));
        }

        [Test]
        public void Resolve_RelativePathOnAnArchivePlatform_SaysToUsePersistentData()
        {
            Assert.That(() => StreamingAssetsLocation.Resolve("InstantID", "jar:file:///data/app/base.apk!/assets"),
                Throws.InstanceOf<InstantIdException>().With.Message.Contains("persistentDataPath"));
        }
    }
}
