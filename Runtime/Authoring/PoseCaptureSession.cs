using System;
using System.Collections.Generic;
using System.Linq;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Pose;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Authoring
{
    /// <summary>
    /// One capture of a posed rig: the projected keypoints with their warnings, the landmark map IdentityNet will
    /// see (when every point is finite), and the warnings as UI messages. Dispose releases the map.
    /// </summary>
    public sealed class PoseCapture : IDisposable
    {
        internal PoseCapture(RigProjection projection, Image<Rgb24>? landmarkMap, IReadOnlyList<FieldMessage> messages, bool isPreview = false)
        {
            IsPreview = isPreview;
            Projection = projection;
            LandmarkMap = landmarkMap;
            Messages = messages;
        }

        /// <summary>The projection: keypoints in output pixels, per-point and view warnings.</summary>
        public RigProjection Projection { get; }

        /// <summary>
        /// InstantID's landmark image (draw_kps) of the keypoints at the capture size, or null when a point has no
        /// position (behind a perspective camera).
        /// </summary>
        public Image<Rgb24>? LandmarkMap { get; }

        /// <summary>The projection's warnings as messages: errors when the view cannot drive generation, else warnings.</summary>
        public IReadOnlyList<FieldMessage> Messages { get; }

        /// <summary>A reduced-size live preview (<see cref="PoseCaptureSession.Preview"/>): for display only, not for requests.</summary>
        public bool IsPreview { get; }

        /// <summary>True when the keypoints can drive a generation (<see cref="RigProjection.IsUsable"/>).</summary>
        public bool IsUsable => Projection.IsUsable;

        /// <summary>Output width the keypoints refer to.</summary>
        public int Width => Projection.OutputWidth;

        /// <summary>Output height the keypoints refer to.</summary>
        public int Height => Projection.OutputHeight;

        /// <summary>The keypoints as <see cref="GenerationRequest.PoseKeypoints"/> wants them: x0,y0,…,x4,y4.</summary>
        public float[] KeypointArray() => PoseCaptureSession.Flatten(Projection.Keypoints);

        /// <summary>
        /// The generator session's request posed by this capture: the session's request (preset, explicit values,
        /// seed) at the capture size with the keypoints as <see cref="GenerationRequest.PoseKeypoints"/> (any pose
        /// photo is dropped). Throws <see cref="InstantIdException"/> when the capture has errors (view not usable,
        /// size not generatable) and <see cref="InvalidRequestException"/> when the session is invalid.
        /// </summary>
        public GenerationRequest ToRequest(GeneratorSession session)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            if (IsPreview) throw new InstantIdException("A preview capture is at preview size; take a full capture (PoseCaptureSession.Capture) to generate from.");
            var errors = Messages.Where(m => m.IsError).Select(m => m.Text).ToArray();
            if (errors.Length > 0)
                throw new InstantIdException("The rig's pose cannot be used: " + string.Join(" ", errors));
            return PoseCaptureSession.Posed(session.BuildRequest(), Projection.Keypoints, Width, Height);
        }

        /// <summary>Releases the landmark map.</summary>
        public void Dispose() => LandmarkMap?.Dispose();
    }

    /// <summary>
    /// What the pose-rig window edits: the rig's five head anchors, the camera and the output size. Captures a
    /// projection and landmark map (live preview or full size), turns a capture into a generation request for a
    /// <see cref="GeneratorSession"/>, and plans turntables (<see cref="TurntableBatch"/> runs them).
    /// </summary>
    public sealed class PoseCaptureSession
    {
        /// <summary>The rig's anchors (world space, Unity conventions); e.g. <see cref="HeadAnchors.FromHeadBone(System.Numerics.Vector3, System.Numerics.Quaternion, float)"/>.</summary>
        public HeadAnchors Anchors { get; set; }

        /// <summary>The camera copied from a Unity Camera.</summary>
        public PoseCamera Camera { get; set; } = PoseCamera.Perspective(System.Numerics.Vector3.Zero, System.Numerics.Quaternion.Identity);

        /// <summary>Output width of the generated image (multiple of 8 for generation).</summary>
        public int Width { get; set; } = 1024;

        /// <summary>Output height of the generated image (multiple of 8 for generation).</summary>
        public int Height { get; set; } = 1024;

        /// <summary>Warning thresholds; null = defaults.</summary>
        public RigProjectionOptions? ProjectionOptions { get; set; }

        /// <summary>Projects at the output size and renders the landmark map. Throws <see cref="InstantIdException"/> for an invalid camera, anchors or size.</summary>
        public PoseCapture Capture()
        {
            CheckSize(Width, Height);
            var projection = RigProjector.Project(Anchors, Camera, Width, Height, ProjectionOptions);
            return new PoseCapture(projection, Render(projection), Messages(projection, Width, Height));
        }

        /// <summary>
        /// A cheap live preview: the same view projected into an image whose longer side is
        /// <paramref name="maxSide"/> (never larger than the output), so the map matches the full capture scaled.
        /// Size-related warnings (face too small) are judged at the output size.
        /// </summary>
        public PoseCapture Preview(int maxSide = 256)
        {
            if (maxSide < 8) throw new ArgumentOutOfRangeException(nameof(maxSide), maxSide, "A preview needs at least 8 pixels.");
            CheckSize(Width, Height);
            double scale = Math.Min(1.0, (double)maxSide / Math.Max(Width, Height));
            int w = Math.Max(1, (int)Math.Round(Width * scale)), h = Math.Max(1, (int)Math.Round(Height * scale));
            var full = RigProjector.Project(Anchors, Camera, Width, Height, ProjectionOptions);
            var small = RigProjector.Project(Anchors, Camera, w, h, ProjectionOptions);
            return new PoseCapture(small, Render(small), Messages(full, Width, Height), true);
        }

        static void CheckSize(int width, int height)
        {
            if (width < 1 || height < 1 || width > 4096 || height > 4096)
                throw new InstantIdException($"The output size must be 1..4096 pixels per side; got {width}×{height}.");
        }

        static Image<Rgb24>? Render(RigProjection projection)
        {
            var k = projection.Keypoints;
            for (int i = 0; i < FaceKeypoints.Count; i++)
                if (float.IsNaN(k[i].X) || float.IsNaN(k[i].Y) || float.IsInfinity(k[i].X) || float.IsInfinity(k[i].Y)) return null;
            return LandmarkMapRenderer.Render(k.ToArray(), projection.OutputWidth, projection.OutputHeight);
        }

        /// <summary>The projection's messages for the UI, plus the size rule generation has (multiples of 8).</summary>
        internal static IReadOnlyList<FieldMessage> Messages(RigProjection projection, int width, int height)
        {
            var severity = projection.IsUsable ? MessageSeverity.Warning : MessageSeverity.Error;
            var list = projection.Messages.Select(t => new FieldMessage(GeneratorField.Pose, severity, t)).ToList();
            if (!projection.IsUsable)
                list.Insert(0, new FieldMessage(GeneratorField.Pose, MessageSeverity.Error,
                    "This view cannot drive a generation (a point is behind the camera or the face is turned away)."));
            if (width % 8 != 0 || height % 8 != 0 || width < 64 || height < 64)
                list.Add(new FieldMessage(GeneratorField.Size, MessageSeverity.Error,
                    $"The output size {width}×{height} must be a multiple of 8 from 64 to 4096 to generate; e.g. 1024×1024."));
            return list;
        }

        /// <summary>
        /// The generator session's request posed by this rig: the session's request (preset, explicit values,
        /// seed), at this session's output size with the projected keypoints as <see cref="GenerationRequest.PoseKeypoints"/>
        /// (any pose photo is dropped). Throws <see cref="InstantIdException"/> when the view is not usable and
        /// <see cref="InvalidRequestException"/> when the session or size is invalid.
        /// </summary>
        public GenerationRequest ToRequest(GeneratorSession session)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            using var capture = Capture();
            return capture.ToRequest(session);
        }

        /// <summary>A copy of <paramref name="request"/> at the given size, posed by <paramref name="keypoints"/>.</summary>
        internal static GenerationRequest Posed(GenerationRequest request, FaceKeypoints keypoints, int width, int height)
        {
            var posed = request.Clone();
            posed.Width = width;
            posed.Height = height;
            posed.PosePhotoPath = null;
            posed.PoseImage = null;
            posed.PoseKeypoints = Flatten(keypoints);
            posed.Validate();
            return posed;
        }

        internal static float[] Flatten(FaceKeypoints k) => InstantIdAvatars.Faces.PoseKeypoints.Flatten(k.ToArray());

        /// <summary>
        /// Parses a list of angles in degrees as typed in a text field ("0, 15, -15" or "0 15 -15"; invariant
        /// culture, '.' decimals). Throws <see cref="InstantIdException"/> naming the entry that is not a finite number.
        /// </summary>
        public static float[] ParseAngleList(string text)
        {
            var parts = (text ?? "").Split(new[] { ',', ';', ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) throw new InstantIdException("Give at least one angle in degrees, e.g. \"0\" or \"0, 15, -15\".");
            var angles = new float[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!float.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var a)
                    || float.IsNaN(a) || float.IsInfinity(a))
                    throw new InstantIdException($"'{parts[i]}' is not an angle in degrees; write numbers separated by commas, e.g. \"0, 15, -15\".");
                angles[i] = a;
            }
            return angles;
        }

        /// <summary>
        /// Plans a turntable around the rig with this camera as the base view, at this session's output size
        /// (the settings' own size is replaced).
        /// </summary>
        public TurntablePlan PlanTurntable(TurntableSettings settings)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            var sized = new TurntableSettings
            {
                ViewCount = settings.ViewCount,
                StartYawDegrees = settings.StartYawDegrees,
                SweepDegrees = settings.SweepDegrees,
                PitchDegrees = settings.PitchDegrees,
                Mode = settings.Mode,
                Pivot = settings.Pivot,
                OutputWidth = Width,
                OutputHeight = Height,
                ProjectionOptions = settings.ProjectionOptions ?? ProjectionOptions,
            };
            return TurntablePlan.Create(Anchors, Camera, sized);
        }
    }
}
