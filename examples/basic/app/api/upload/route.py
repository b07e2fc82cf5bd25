import os
from pathlib import Path

from approutes import File, NextRequest, NextResponse

UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", Path(__file__).parents[3] / "uploads"))


async def POST(request: NextRequest):
    form_data = await request.form_data()
    file = form_data.get("file")
    if not isinstance(file, File):
        return NextResponse.json({"error": "No file received."}, status=400)
    # A safe name, always inside UPLOAD_DIR, never replacing an earlier upload.
    await file.save_in(UPLOAD_DIR)
    return NextResponse.json({"filename": file.name, "size": file.size})
