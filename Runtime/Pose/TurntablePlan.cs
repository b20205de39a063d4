using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace InstantIdAvatars.Pose
{
    /// <summary>How a turntable changes the view: move the camera around the head, or turn the rig in front of a still camera.</summary>
    public enum TurntableMode
    {
        /// <summary>The camera orbits the pivot; the rig stays where it is.</summary>
        OrbitCamera,

        /// <summary>The rig turns about the pivot by the inverse orbit; the camera stays. Same keypoints as <see cref="OrbitCamera"/>.</summary>
        RotateRig,
    }

    /// <summary>Settings of a <see cref="TurntablePlan"/>.</summary>
    public sealed class TurntableSettings
    {
        /// <summary>Views per pitch row (1..<see cref="TurntablePlan.MaxViews"/>).</summary>
        public int ViewCount { get; set; } = 8;

        /// <summary>Yaw of the first view, degrees. 0 is the base camera; positive moves the camera toward the subject's right.</summary>
        public float StartYawDegrees { get; set; }

        /// <summary>
        /// Total yaw covered, degrees (negative sweeps the other way). A full turn (|sweep| ≥ 360) is split into
        /// ViewCount equal steps without repeating the start; a partial sweep includes both ends
        /// (step = sweep / (ViewCount − 1)).
        /// </summary>
        public float SweepDegrees { get; set; } = 360f;

        /// <summary>
        /// Camera elevations, degrees in [−90, 90], one row of views each (positive: camera above, looking down).
        /// Default: a single row at 0.
        /// </summary>
        public IReadOnlyList<float> PitchDegrees { get; set; } = new[] { 0f };

        /// <summary>Whether the camera orbits or the rig turns.</summary>
        public TurntableMode Mode { get; set; } = TurntableMode.OrbitCamera;

        /// <summary>Centre of the orbit; null = the anchors' centroid (keeps the face where the base camera framed it).</summary>
        public Vector3? Pivot { get; set; }

        /// <summary>Output image width in pixels.</summary>
        public int OutputWidth { get; set; } = 1024;

        /// <summary>Output image height in pixels.</summary>
        public int OutputHeight { get; set; } = 1024;

        /// <summary>Warning thresholds; null = <see cref="RigProjectionOptions.Default"/>.</summary>
        public RigProjectionOptions? ProjectionOptions { get; set; }
    }

    /// <summary>One view of a turntable: its angles, camera, rig rotation, projected keypoints with warnings and file name.</summary>
    public sealed class TurntableView
    {
        internal TurntableView(int index, int column, int row, float yaw, float pitch, PoseCamera camera,
            Quaternion rigRotation, HeadAnchors anchors, RigProjection projection, string fileName)
        {
            Index = index;
            Column = column;
            Row = row;
            YawDegrees = yaw;
            PitchDegrees = pitch;
            Camera = camera;
            RigRotation = rigRotation;
            Anchors = anchors;
            Projection = projection;
            FileName = fileName;
        }

        /// <summary>Position in the plan (row-major: all yaws of the first pitch, then the next pitch).</summary>
        public int Index { get; }

        /// <summary>Yaw index (contact-sheet column).</summary>
        public int Column { get; }

        /// <summary>Pitch index (contact-sheet row).</summary>
        public int Row { get; }

        /// <summary>Planned yaw of the camera around the pivot, degrees (not normalised).</summary>
        public float YawDegrees { get; }

        /// <summary>Planned pitch (elevation) of the camera, degrees.</summary>
        public float PitchDegrees { get; }

        /// <summary>The camera of this view (the base camera in <see cref="TurntableMode.RotateRig"/>).</summary>
        public PoseCamera Camera { get; }

        /// <summary>Rotation to apply to the rig about the pivot (identity in <see cref="TurntableMode.OrbitCamera"/>).</summary>
        public Quaternion RigRotation { get; }

        /// <summary>The anchors as placed for this view (turned in <see cref="TurntableMode.RotateRig"/>).</summary>
        public HeadAnchors Anchors { get; }

        /// <summary>Projected keypoints and warnings.</summary>
        public RigProjection Projection { get; }

        /// <summary>Stable file name, e.g. <c>view_03_yaw+045_pitch+00.png</c>.</summary>
        public string FileName { get; }
    }

    /// <summary>
    /// A turntable of views around a posed head: yaw steps over a sweep, optionally at several pitches, each with
    /// its camera pose, projected keypoints, warnings and a stable file name.
    /// </summary>
    /// <remarks>
    /// The orbit of view (yaw, pitch) is R = AngleAxis(yaw, world +Y) · AngleAxis(pitch, base camera's horizontal
    /// right axis), about the pivot: camera position = pivot + R·(base position − pivot), rotation = R·base
    /// rotation. Yaw 0 / pitch 0 is the base camera. Positive yaw turns the camera toward the subject's right (+X
    /// for a subject facing +Z, the side of keypoint 0), which shows the same face as turning the rig by −yaw.
    /// </remarks>
    public sealed class TurntablePlan
    {
        /// <summary>Most views one plan may hold (all rows together).</summary>
        public const int MaxViews = 1024;

        TurntablePlan(IReadOnlyList<TurntableView> views, float[] yaws, float[] pitches, float step, Vector3 pivot,
            int width, int height)
        {
            Views = views;
            YawDegrees = yaws;
            PitchDegrees = pitches;
            YawStepDegrees = step;
            Pivot = pivot;
            OutputWidth = width;
            OutputHeight = height;
        }

        /// <summary>All views, row-major (yaw fastest).</summary>
        public IReadOnlyList<TurntableView> Views { get; }

        /// <summary>The yaw of each column, degrees.</summary>
        public IReadOnlyList<float> YawDegrees { get; }

        /// <summary>The pitch of each row, degrees.</summary>
        public IReadOnlyList<float> PitchDegrees { get; }

        /// <summary>Yaw between neighbouring views (0 with a single view).</summary>
        public float YawStepDegrees { get; }

        /// <summary>The orbit centre used.</summary>
        public Vector3 Pivot { get; }

        /// <summary>Output width of every view.</summary>
        public int OutputWidth { get; }

        /// <summary>Output height of every view.</summary>
        public int OutputHeight { get; }

        /// <summary>Views per row (yaw count).</summary>
        public int Columns => YawDegrees.Count;

        /// <summary>Rows (pitch count).</summary>
        public int Rows => PitchDegrees.Count;

        /// <summary>A contact-sheet layout with one column per yaw and one row per pitch, cells of the output size.</summary>
        public ContactSheetLayout CreateSheetLayout(int padding = ContactSheetLayout.DefaultPadding) =>
            new ContactSheetLayout(Columns, Rows, OutputWidth, OutputHeight, padding);

        /// <summary>
        /// Plans the views. Throws <see cref="InstantIdException"/> for unusable settings (no views, too many,
        /// pitch outside [−90, 90], non-finite angles) or an invalid camera; problems of single views are warnings.
        /// </summary>
        public static TurntablePlan Create(HeadAnchors anchors, PoseCamera baseCamera, TurntableSettings settings)
        {
            if (settings == null)
                throw new ArgumentNullException(nameof(settings));
            baseCamera.Validate();
            var count = settings.ViewCount;
            if (count < 1 || count > MaxViews)
                throw new InstantIdException("A turntable needs between 1 and " + MaxViews + " views per row; got " + count + ".");
            if (!PoseRotation.IsFinite(settings.StartYawDegrees) || !PoseRotation.IsFinite(settings.SweepDegrees))
                throw new InstantIdException("The turntable's start yaw and sweep must be finite angles in degrees.");
            var pitchList = settings.PitchDegrees;
            if (pitchList == null || pitchList.Count == 0)
                throw new InstantIdException("The turntable needs at least one pitch (use 0 for a level orbit).");
            if ((long)pitchList.Count * count > MaxViews)
                throw new InstantIdException("The turntable plans " + (long)pitchList.Count * count + " views; at most " + MaxViews + " are allowed. Use fewer views or pitches.");
            var pitches = new float[pitchList.Count];
            for (var i = 0; i < pitches.Length; i++)
            {
                var p = pitchList[i];
                if (!(p >= -90f && p <= 90f))
                    throw new InstantIdException("Turntable pitch " + p.ToString(CultureInfo.InvariantCulture) + " is outside [-90, 90] degrees.");
                pitches[i] = p;
            }
            if (settings.OutputWidth < 1 || settings.OutputHeight < 1)
                throw new InstantIdException("The turntable's output size must be at least 1×1 pixels; got " + settings.OutputWidth + "×" + settings.OutputHeight + ".");
            var pivot = settings.Pivot ?? anchors.Centroid;
            if (!PoseRotation.IsFinite(pivot))
                throw new InstantIdException("The turntable pivot is not finite (" + pivot + "); leave it unset to orbit the face's centre.");

            var full = Math.Abs(settings.SweepDegrees) >= 360f - 1e-3f;
            var step = count == 1 ? 0f : settings.SweepDegrees / (full ? count : count - 1);
            var yaws = new float[count];
            for (var i = 0; i < count; i++)
                yaws[i] = settings.StartYawDegrees + step * i;

            // Pitch turns about the base camera's horizontal right axis, so rows are elevations above the orbit plane.
            var right = baseCamera.Right;
            var pitchAxis = new Vector3(right.X, 0f, right.Z);
            pitchAxis = pitchAxis.LengthSquared() > 1e-8f ? Vector3.Normalize(pitchAxis) : Vector3.UnitX;
            var baseRotation = Quaternion.Normalize(baseCamera.Rotation);

            var views = new TurntableView[count * pitches.Length];
            for (var row = 0; row < pitches.Length; row++)
            {
                for (var column = 0; column < count; column++)
                {
                    var orbit = PoseRotation.AngleAxis(yaws[column], Vector3.UnitY) * PoseRotation.AngleAxis(pitches[row], pitchAxis);
                    PoseCamera camera;
                    Quaternion rig;
                    HeadAnchors placed;
                    if (settings.Mode == TurntableMode.OrbitCamera)
                    {
                        camera = baseCamera.WithPose(pivot + Vector3.Transform(baseCamera.Position - pivot, orbit),
                            Quaternion.Normalize(orbit * baseRotation));
                        rig = Quaternion.Identity;
                        placed = anchors;
                    }
                    else
                    {
                        camera = baseCamera;
                        rig = Quaternion.Conjugate(orbit);
                        placed = anchors.RotatedAround(pivot, rig);
                    }
                    var index = row * count + column;
                    var projection = RigProjector.Project(placed, camera, settings.OutputWidth, settings.OutputHeight, settings.ProjectionOptions);
                    views[index] = new TurntableView(index, column, row, yaws[column], pitches[row], camera, rig, placed, projection,
                        ViewFileName(index, views.Length, yaws[column], pitches[row]));
                }
            }
            return new TurntablePlan(views, yaws, pitches, step, pivot, settings.OutputWidth, settings.OutputHeight);
        }

        /// <summary>
        /// The stable file name of a view: <c>view_{index}_yaw{±ddd}_pitch{±dd}.png</c>. The index has at least two
        /// digits (more when the plan needs them, so names sort); yaw is rounded to whole degrees and wrapped into
        /// (−180, 180]; pitch is rounded to whole degrees. Culture-independent.
        /// </summary>
        public static string ViewFileName(int index, int viewCount, float yawDegrees, float pitchDegrees)
        {
            if (!PoseRotation.IsFinite(yawDegrees) || !(pitchDegrees >= -90f && pitchDegrees <= 90f))
                throw new InstantIdException("A view name needs a finite yaw and a pitch in [-90, 90] degrees; got yaw " +
                                             yawDegrees.ToString(CultureInfo.InvariantCulture) + ", pitch " + pitchDegrees.ToString(CultureInfo.InvariantCulture) + ".");
            var digits = Math.Max(2, Math.Max(viewCount - 1, 0).ToString(CultureInfo.InvariantCulture).Length);
            var yaw = (int)(Math.Round((double)yawDegrees, MidpointRounding.AwayFromZero) % 360.0);
            if (yaw < 0) yaw += 360;
            if (yaw > 180) yaw -= 360;
            var pitch = (int)Math.Round((double)pitchDegrees, MidpointRounding.AwayFromZero);
            return "view_" + index.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') +
                   "_yaw" + Signed(yaw, 3) + "_pitch" + Signed(pitch, 2) + ".png";
        }

        static string Signed(int value, int digits) =>
            (value < 0 ? "-" : "+") + Math.Abs(value).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }
}
