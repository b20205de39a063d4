using System;
using System.Collections.Generic;
using System.Numerics;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Faces;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Authoring
{
    public class SampleLogicFaceFeedbackTests
    {
        static AnalyzedFace Face(float x, float y, float size)
        {
            var kps = new List<Vector2> { new Vector2(x + size * 0.3f, y + size * 0.4f), new Vector2(x + size * 0.7f, y + size * 0.4f),
                new Vector2(x + size * 0.5f, y + size * 0.6f), new Vector2(x + size * 0.35f, y + size * 0.8f), new Vector2(x + size * 0.65f, y + size * 0.8f) };
            return new AnalyzedFace(new DetectedFace(new FaceBox(x, y, x + size, y + size * 1.25f), 0.9f, kps), new float[512]);
        }

        static FaceAnalysis Analysis(int width, int height, params AnalyzedFace[] faces)
        {
            var largest = faces[0];
            foreach (var f in faces) if (f.Box.Area > largest.Box.Area) largest = f;
            return new FaceAnalysis(faces, largest, width, height, 0);
        }

        [Test]
        public void OneLargeFace_IsReady()
        {
            // 720 px tall webcam frame, face box 288 px wide: 0.4 of the shorter side (a selfie at arm's length)
            var feedback = SampleFaceFeedback.Evaluate(Analysis(1280, 720, Face(500, 200, 288)));
            Assert.That(feedback.Kind, Is.EqualTo(FaceFeedbackKind.Ready));
            Assert.That(feedback.CanGenerate, Is.True);
            Assert.That(feedback.FaceFraction, Is.EqualTo(0.4f).Within(1e-6f));
            Assert.That(feedback.FaceCount, Is.EqualTo(1));
        }

        [Test]
        public void FaceUnderTheThreshold_SaysMoveCloser()
        {
            // 100 px of 720 = 0.139 < 0.2, although the analyser (40 px minimum) accepted it
            var feedback = SampleFaceFeedback.Evaluate(Analysis(1280, 720, Face(600, 300, 100)));
            Assert.That(feedback.Kind, Is.EqualTo(FaceFeedbackKind.TooSmall));
            Assert.That(feedback.Message, Does.StartWith("Move closer"));
            Assert.That(feedback.CanGenerate, Is.False);
            Assert.That(feedback.FaceFraction, Is.EqualTo(100f / 720f).Within(1e-6f));
        }

        [Test]
        public void Threshold_IsMeasuredOnTheShorterSides_AndIsInclusive()
        {
            // portrait frame 720×1280: the shorter side is the width; 144 / 720 = exactly 0.2
            Assert.That(SampleFaceFeedback.Evaluate(Analysis(720, 1280, Face(100, 100, 144))).Kind, Is.EqualTo(FaceFeedbackKind.Ready));
            Assert.That(SampleFaceFeedback.Evaluate(Analysis(720, 1280, Face(100, 100, 143))).Kind, Is.EqualTo(FaceFeedbackKind.TooSmall));
            Assert.That(SampleFaceFeedback.Evaluate(Analysis(720, 1280, Face(100, 100, 143)), minFaceFraction: 0.1f).Kind, Is.EqualTo(FaceFeedbackKind.Ready));
            Assert.That(() => SampleFaceFeedback.Evaluate(Analysis(720, 1280, Face(0, 0, 200)), 1.5f), Throws.InstanceOf<ArgumentOutOfRangeException>());
        }

        [Test]
        public void SeveralFaces_AsksForOne_EvenWhenTheLargestIsBigEnough()
        {
            var feedback = SampleFaceFeedback.Evaluate(Analysis(1280, 720, Face(100, 100, 300), Face(800, 100, 120), Face(1000, 400, 90)));
            Assert.That(feedback.Kind, Is.EqualTo(FaceFeedbackKind.SeveralFaces));
            Assert.That(feedback.Message, Is.EqualTo("One face please — 3 faces are in the picture."));
            Assert.That(feedback.FaceCount, Is.EqualTo(3));
            Assert.That(feedback.FaceFraction, Is.EqualTo(300f / 720f).Within(1e-6f), "measured on the largest face");
        }

        [Test]
        public void NoFaceException_SaysLookAtTheCamera()
        {
            var feedback = SampleFaceFeedback.Evaluate(new NoFaceFoundException(1280, 720, 0.5f));
            Assert.That(feedback.Kind, Is.EqualTo(FaceFeedbackKind.NoFace));
            Assert.That(feedback.Message, Is.EqualTo("No face — look at the camera."));
        }

        [Test]
        public void FaceTooSmallException_SaysMoveCloser_AlsoWhenWrapped()
        {
            var error = new FaceTooSmallException(30, 40, 1280, 720);
            Assert.That(SampleFaceFeedback.Evaluate(error).Kind, Is.EqualTo(FaceFeedbackKind.TooSmall));
            Assert.That(SampleFaceFeedback.Evaluate(new AggregateException(error)).Kind, Is.EqualTo(FaceFeedbackKind.TooSmall));
        }

        [Test]
        public void OtherErrors_PassTheirMessageThrough()
        {
            var feedback = SampleFaceFeedback.Evaluate(new InstantIdException("Model set is missing face/detector.onnx."));
            Assert.That(feedback.Kind, Is.EqualTo(FaceFeedbackKind.Error));
            Assert.That(feedback.Message, Is.EqualTo("Model set is missing face/detector.onnx."));
            Assert.That(feedback.CanGenerate, Is.False);
        }
    }
}
