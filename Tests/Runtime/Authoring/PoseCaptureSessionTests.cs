using System.IO;
using System.Linq;
using System.Numerics;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Pose;
using NUnit.Framework;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Authoring
{
    /// <summary>Capturing a rig view: keypoints, landmark map, UI messages, and the posed request.</summary>
    public sealed class PoseCaptureSessionTests
    {
        // Head bone at (0, 1.6, 0) facing +Z; orthographic camera 1 m in front looking back at it (yaw 180), half-height 0.25 m.
        static PoseCaptureSession FrontalOrtho(int size = 256) => new PoseCaptureSession
        {
            Anchors = HeadAnchors.FromHeadBone(new Vector3(0f, 1.6f, 0f), Quaternion.Identity),
            Camera = PoseCamera.CreateOrthographic(new Vector3(0f, 1.6f, 1f), PoseRotation.Euler(0f, 180f, 0f), 0.25f),
            Width = size,
            Height = size,
        };

        // By hand: camera right = −X, so u = (1 − x/0.25)/2·256, v = (1 − y/0.25)/2·256 for head offsets (x, y):
        // eyes (±0.032, 0.070), nose (0, 0.034), mouth corners (±0.026, −0.004); + is keypoint 0/3.
        static readonly float[] Expected256 =
        {
            111.616f, 92.16f, 144.384f, 92.16f, 128f, 110.592f, 114.688f, 130.048f, 141.312f, 130.048f,
        };

        [Test]
        public void Capture_ProjectsTheRig_AndRendersItsLandmarkMap()
        {
            using var capture = FrontalOrtho().Capture();
            Assert.That(capture.KeypointArray(), Is.EqualTo(Expected256).Within(1e-3f));
            Assert.That(capture.IsUsable, Is.True);
            Assert.That(capture.Messages, Is.Empty);
            Assert.That((capture.LandmarkMap!.Width, capture.LandmarkMap.Height), Is.EqualTo((256, 256)));
            // the map is draw_kps of exactly these keypoints (sub-pixel differences from the rounded hand values move edge pixels)
            using var expected = LandmarkMapRenderer.Render(capture.Projection.Keypoints.ToArray(), 256, 256);
            int differing = 0;
            for (int y = 0; y < 256; y++)
                for (int x = 0; x < 256; x++)
                    if (!capture.LandmarkMap[x, y].Equals(expected[x, y])) differing++;
            Assert.That(differing, Is.EqualTo(0));
            Assert.That(capture.LandmarkMap[128, 111], Is.EqualTo(new Rgb24(0, 0, 255)), "the nose point is blue (draw_kps colours)");
        }

        [Test]
        public void Preview_IsTheSameViewScaledToTheMaxSide()
        {
            var session = FrontalOrtho(1024);
            using var preview = session.Preview(256);
            Assert.That((preview.Width, preview.Height), Is.EqualTo((256, 256)));
            // 1024 output scaled by 1/4 = the 256 projection
            Assert.That(preview.KeypointArray(), Is.EqualTo(Expected256).Within(1e-3f));
            Assert.That(preview.LandmarkMap!.Width, Is.EqualTo(256));
        }

        [Test]
        public void ToRequest_PutsTheKeypointsIntoTheSessionsRequest_AtTheCaptureSize()
        {
            var folder = TestData.NewTempFolder();
            try
            {
                var photo = Path.Combine(folder, "face.png");
                File.Copy(TestData.Path("Faces/astronaut.png"), photo);
                var generator = new GeneratorSession { PhotoPaths = { photo }, Prompt = "a knight", RandomSeed = false, Seed = 5, PresetName = "portrait" };
                var request = FrontalOrtho().ToRequest(generator);
                Assert.That(request.PoseKeypoints, Is.EqualTo(Expected256).Within(1e-3f));
                Assert.That((request.Width, request.Height), Is.EqualTo((256, 256)), "the capture size replaces the preset's 1024");
                Assert.That((request.Seed, request.Prompt, request.IpAdapterScale), Is.EqualTo(((long?)5, "a knight", 0.8f)));
                Assert.That(request.FacePhotoPaths, Is.EqualTo(new[] { photo }));
            }
            finally { Directory.Delete(folder, true); }
        }

        [Test]
        public void CameraFacingAway_GivesNoMap_AndErrorMessages_AndNoRequest()
        {
            var session = FrontalOrtho();
            // perspective camera in front of the face but looking away from it (+Z): every point is behind it
            session.Camera = PoseCamera.Perspective(new Vector3(0f, 1.6f, 1f), Quaternion.Identity, 30f);
            using var capture = session.Capture();
            Assert.That(capture.IsUsable, Is.False);
            Assert.That(capture.LandmarkMap, Is.Null);
            Assert.That(capture.Messages.All(m => m.IsError && m.Field == GeneratorField.Pose), Is.True);
            Assert.That(capture.Messages.Any(m => m.Text.Contains("behind the camera")), Is.True);
            var e = Assert.Throws<InstantIdException>(() => session.ToRequest(new GeneratorSession()))!;
            Assert.That(e.Message, Does.Contain("cannot be used"));
        }

        [Test]
        public void OutputSizeNotAMultipleOf8_IsASizeError()
        {
            var session = FrontalOrtho(250);
            using var capture = session.Capture();
            Assert.That(capture.IsUsable, Is.True);
            var m = capture.Messages.Single();
            Assert.That((m.Field, m.Severity), Is.EqualTo((GeneratorField.Size, MessageSeverity.Error)));
            Assert.That(m.Text, Does.Contain("250×250"));
        }

        [Test]
        public void CapturedPose_MakesTheRequest_ButAPreviewDoesNot()
        {
            var session = FrontalOrtho(1024);
            using var capture = session.Capture();
            session.Camera = PoseCamera.Perspective(new Vector3(0f, 1.6f, 1f), Quaternion.Identity, 30f); // moved after the capture
            var generator = new GeneratorSession { Source = IdentitySource.Profile, ProfilePath = TestData.Path("Faces/astronaut.png"), RandomSeed = false };
            var request = capture.ToRequest(generator);
            Assert.That(request.PoseKeypoints, Is.EqualTo(Expected256.Select(v => v * 4f)).Within(4e-3f), "the captured pose, not the moved camera");
            Assert.That((request.Width, request.Height), Is.EqualTo((1024, 1024)));
            using var preview = FrontalOrtho(1024).Preview(256);
            Assert.That(Assert.Throws<InstantIdException>(() => preview.ToRequest(generator))!.Message, Does.Contain("preview"));
        }

        [Test]
        public void ParseAngleList_ReadsCommaOrSpaceSeparatedDegrees()
        {
            Assert.That(PoseCaptureSession.ParseAngleList("0, 15,-15"), Is.EqualTo(new[] { 0f, 15f, -15f }));
            Assert.That(PoseCaptureSession.ParseAngleList(" 7.5  -30 "), Is.EqualTo(new[] { 7.5f, -30f }));
            Assert.That(Assert.Throws<InstantIdException>(() => PoseCaptureSession.ParseAngleList("0, 1,5x"))!.Message, Does.Contain("'5x'"));
            Assert.Throws<InstantIdException>(() => PoseCaptureSession.ParseAngleList("  "));
            Assert.Throws<InstantIdException>(() => PoseCaptureSession.ParseAngleList("NaN"));
        }

        [Test]
        public void PlanTurntable_UsesTheSessionsSize()
        {
            var plan = FrontalOrtho(128).PlanTurntable(new TurntableSettings { ViewCount = 4, OutputWidth = 999, OutputHeight = 7 });
            Assert.That((plan.OutputWidth, plan.OutputHeight, plan.Views.Count), Is.EqualTo((128, 128, 4)));
            Assert.That(plan.Views[0].Projection.Keypoints.Nose.X, Is.EqualTo(64f).Within(1e-3f));
        }
    }
}
